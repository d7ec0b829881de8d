package oidc

// DeviceAuthorizationResponse is the JSON body of a successful device
// authorization request (RFC 8628 §3.2). The user opens VerificationURI and
// types UserCode (XXXX-XXXX on huggingface.co), or opens
// VerificationURIComplete, which carries the code; meanwhile the device
// polls the token endpoint with DeviceCode every Interval seconds, until
// ExpiresIn seconds have passed. huggingface.co omits interval; clients then
// assume 5.
type DeviceAuthorizationResponse struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete,omitempty"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval,omitempty"`
}
