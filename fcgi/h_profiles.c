/*
 * fcgi/h_profiles.c: GET /export-center/profiles, the tenant's export
 * profiles (the built-in ones are made on first use).
 */
#include "api.h"
#include "ec_run.h"

void
h_profiles_list(struct api_req *rq)
{
	struct ec_db		*db;
	struct ec_err		 err;
	enum ec_auth_fault	 fault;
	json_t			*list;

	if (api_authenticate(rq, EC_AUTH_SCOPE_READ, &fault, &err) == -1) {
		api_reply_error(rq, &err, fault);
		return;
	}
	if (api_db(&db, rq, &err) == -1 ||
	    ec_run_profiles(&list, db, rq->who.tenant, &err) == -1) {
		api_fail(rq, &err);
		return;
	}
	api_reply_json(rq, 200, json_pack("{s:o}", "profiles", list), NULL);
}
