/*
 * tests/tools/fcgi_echo.c: a FastCGI responder for tests of the nginx
 * front end (tests/integration/70-nginx.sh).  It answers every request
 * with 200 and a JSON object of the FastCGI parameters nginx sent, plus
 * "BODY_BYTES" (the request body's length, read to the end) and "_dup"
 * (parameter names sent more than once, such as a repeated header).
 *
 *   fcgi_echo SOCKET_PATH
 *
 * The socket is made mode 0666 so that nginx's unprivileged workers can
 * connect; it belongs in a directory of its own.  Runs until killed.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>
#include <jansson.h>

/* Parameters as an object; names seen twice are listed in "_dup". */
static json_t *
echo_params(char **envp)
{
	json_t	*o = json_object(), *dup = json_array(), *v;
	char	 name[256];
	char	*eq;
	size_t	 n;

	for (; envp != NULL && *envp != NULL; envp++) {
		if ((eq = strchr(*envp, '=')) == NULL ||
		    (n = (size_t)(eq - *envp)) >= sizeof(name))
			continue;
		memcpy(name, *envp, n);
		name[n] = '\0';
		if (json_object_get(o, name) != NULL) {
			json_array_append_new(dup, json_string(name));
			continue;
		}
		/* A value that is not UTF-8 is shown as null. */
		v = json_string(eq + 1);
		json_object_set_new(o, name, v != NULL ? v : json_null());
	}
	json_object_set_new(o, "_dup", dup);
	return o;
}

int
main(int argc, char **argv)
{
	FCGX_Request	 rq;
	json_t		*o;
	char		 buf[16384], *s;
	long long	 total;
	int		 sock, n;

	if (argc != 2) {
		fprintf(stderr, "usage: fcgi_echo SOCKET_PATH\n");
		return 1;
	}
	if (FCGX_Init() != 0 || (sock = FCGX_OpenSocket(argv[1], 64)) < 0) {
		fprintf(stderr, "fcgi_echo: cannot listen on %s\n", argv[1]);
		return 2;
	}
	if (chmod(argv[1], 0666) == -1) {
		perror("fcgi_echo: chmod");
		return 2;
	}
	if (FCGX_InitRequest(&rq, sock, 0) != 0)
		return 2;
	while (FCGX_Accept_r(&rq) >= 0) {
		o = echo_params(rq.envp);
		total = 0;
		while ((n = FCGX_GetStr(buf, sizeof(buf), rq.in)) > 0)
			total += n;
		json_object_set_new(o, "BODY_BYTES", json_integer(total));
		s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
		FCGX_FPrintF(rq.out, "Status: 200 OK\r\n"
		    "Content-Type: application/json\r\n\r\n%s\n",
		    s != NULL ? s : "{}");
		free(s);
		json_decref(o);
		FCGX_Finish_r(&rq);
	}
	return 0;
}
