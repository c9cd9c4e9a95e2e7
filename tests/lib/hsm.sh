# A PKCS#11 token of a test's own (Debian's SoftHSM 2), sourced after
# it.sh.  hsm_token DIR LABEL PIN SO_PIN PUB: a token store under DIR
# (SOFTHSM2_CONF, exported, reaches the module p11-kit loads for GnuTLS
# in our tools and p11tool alike), a token LABEL initialised with PIN,
# and an ECDSA P-256 key "sign" generated inside it, whose public half
# goes to PUB.  Sets $tok to the token's URI.
hsm_token() {
	local dir=$1 label=$2 pin=$3 so=$4 pub=$5
	mkdir -p "$dir/tokens"
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' \
	    "$dir" >"$dir/softhsm2.conf"
	export SOFTHSM2_CONF=$dir/softhsm2.conf
	check "softhsm2: token initialised" softhsm2-util --init-token --free \
	    --label "$label" --pin "$pin" --so-pin "$so"
	tok="pkcs11:token=$label"
	check "p11tool: ECDSA P-256 key generated in the token" \
	    env GNUTLS_PIN="$pin" p11tool --login --generate-privkey=ecdsa \
	    --curve=secp256r1 --label sign --outfile "$pub" "$tok"
}
