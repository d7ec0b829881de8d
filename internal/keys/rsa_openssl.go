//go:build hubid_openssl && cgo

package keys

/*
#cgo LDFLAGS: -lcrypto
#include <openssl/evp.h>
#include <openssl/x509.h>

static EVP_PKEY *hubid_load_key(const unsigned char *der, long len) {
	const unsigned char *p = der;
	return d2i_AutoPrivateKey(NULL, &p, len);
}

// hubid_sign_rs256 signs msg with RSASSA-PKCS1-v1_5 and SHA-256 into sig,
// which holds *siglen bytes; it returns 1 on success.
static int hubid_sign_rs256(EVP_PKEY *key, const unsigned char *msg, size_t msglen,
                            unsigned char *sig, size_t *siglen) {
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL) {
		return 0;
	}
	int ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	         EVP_DigestSign(ctx, sig, siglen, msg, msglen) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}
*/
import "C"

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/go-jose/go-jose/v4"
)

// RSABackend says what signs RS256 ID tokens in this build.
const RSABackend = "OpenSSL libcrypto (built with -tags hubid_openssl)"

// opensslRSA signs RS256 with OpenSSL's libcrypto, about four times faster
// than crypto/rsa on the machines hubid is measured on. The EVP_PKEY is
// only read after it is made, so one serves concurrent signatures.
type opensslRSA struct {
	pkey *C.EVP_PKEY
	pub  jose.JSONWebKey
	size int
}

// fastRSA returns an OpenSSL signer for p, whose public JWK is pub.
func fastRSA(p *rsa.PrivateKey, pub jose.JSONWebKey) (jose.OpaqueSigner, error) {
	der, err := x509.MarshalPKCS8PrivateKey(p)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	pkey := C.hubid_load_key((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)))
	if pkey == nil {
		return nil, errors.New("keys: OpenSSL could not load the RSA key")
	}
	s := &opensslRSA{pkey: pkey, pub: pub, size: p.Size()}
	runtime.AddCleanup(s, func(k *C.EVP_PKEY) { C.EVP_PKEY_free(k) }, pkey)
	return s, nil
}

func (s *opensslRSA) Public() *jose.JSONWebKey {
	pub := s.pub
	return &pub
}

func (s *opensslRSA) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{jose.RS256} }

func (s *opensslRSA) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != jose.RS256 {
		return nil, fmt.Errorf("keys: the OpenSSL RSA signer signs RS256, not %s", alg)
	}
	sig := make([]byte, s.size)
	n := C.size_t(len(sig))
	var msg *C.uchar
	if len(payload) > 0 {
		msg = (*C.uchar)(unsafe.Pointer(&payload[0]))
	}
	ok := C.hubid_sign_rs256(s.pkey, msg, C.size_t(len(payload)), (*C.uchar)(unsafe.Pointer(&sig[0])), &n)
	runtime.KeepAlive(s)
	if ok != 1 {
		return nil, errors.New("keys: OpenSSL RS256 signature failed")
	}
	return sig[:n], nil
}
