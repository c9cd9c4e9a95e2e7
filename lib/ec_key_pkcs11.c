/*
 * ec_key_pkcs11: signers whose private key stays in a PKCS#11 token,
 * through GnuTLS's PKCS#11 support (gnutls_privkey_import_url).  The
 * token's module comes from p11-kit's registry, which GnuTLS loads on
 * first use.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/pkcs11.h>

#include "ec_key_int.h"
#include "ec_keyring.h"

/* What the PIN callback hands out; lives as long as the signer. */
struct pkcs11_pin {
	char	pin[EC_KEYRING_MAX_PIN + 1];
	bool	have;		/* a PIN was configured */
	bool	refused;	/* the token said the PIN was wrong */
};

static void
pkcs11_pin_free(void *p)
{
	if (p == NULL)
		return;
	gnutls_memset(p, 0, sizeof(struct pkcs11_pin));
	free(p);
}

/*
 * GnuTLS asks again after a wrong PIN (GNUTLS_PIN_WRONG).  We never
 * retry: the same PIN would be wrong again, and each try runs the token's
 * retry counter down towards a locked PIN.
 */
static int
pkcs11_pin_cb(void *userdata, int attempt, const char *token_url,
    const char *token_label, unsigned int flags, char *pin, size_t pin_max)
{
	struct pkcs11_pin	*p = userdata;
	size_t			 len;

	(void)attempt;
	(void)token_url;
	(void)token_label;
	if ((flags & GNUTLS_PIN_WRONG) != 0)
		p->refused = true;
	if (!p->have || p->refused)
		return GNUTLS_E_PKCS11_PIN_ERROR;
	len = strlen(p->pin);
	if (len + 1 > pin_max)
		return GNUTLS_E_PKCS11_PIN_ERROR;
	memcpy(pin, p->pin, len + 1);
	return 0;
}

static int
pkcs11_import_err(struct ec_err *err, const struct pkcs11_pin *p, int ret)
{
	if (ret == GNUTLS_E_MEMORY_ERROR)
		return ec_err_nomem(err);
	if (p->refused || ret == GNUTLS_E_PKCS11_PIN_ERROR)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    p->have ? "the token refused the PIN (wrong PIN)" :
		    "the token needs a PIN and the keyring gives none");
	if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE ||
	    ret == GNUTLS_E_PKCS11_REQUESTED_OBJECT_NOT_AVAILBLE)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "no such private key in any PKCS#11 token");
	return ec_err_set(err, EC_ERR_CRYPTO, "PKCS#11: %s",
	    gnutls_strerror(ret));
}

int
ec_signer_pkcs11(struct ec_signer **out, const char *uri, const char *pin,
    struct ec_err *err)
{
	struct pkcs11_pin	*p;
	gnutls_privkey_t	 priv = NULL;
	int			 ret;

	if (ec_keyring_ref_check(uri, err) == -1)
		return -1;
	if (strncmp(uri, "pkcs11:", 7) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not a PKCS#11 URI");
	if (pin != NULL && strlen(pin) > EC_KEYRING_MAX_PIN)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "PIN exceeds %d bytes", EC_KEYRING_MAX_PIN);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ec_err_nomem(err);
	if (pin != NULL) {
		memcpy(p->pin, pin, strlen(pin) + 1);
		p->have = true;
	}
	if ((ret = gnutls_privkey_init(&priv)) < 0) {
		pkcs11_import_err(err, p, ret);
		pkcs11_pin_free(p);
		return -1;
	}
	gnutls_privkey_set_pin_function(priv, pkcs11_pin_cb, p);
	ret = gnutls_privkey_import_url(priv, uri, 0);
	if (ret < 0) {
		pkcs11_import_err(err, p, ret);
		gnutls_privkey_deinit(priv);
		pkcs11_pin_free(p);
		return -1;
	}
	return ec_signer_from_privkey(out, priv, p, pkcs11_pin_free, err);
}
