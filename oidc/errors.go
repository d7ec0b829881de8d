package oidc

import (
	"errors"
	"net/http"
)

// ErrorCode is the value of the "error" parameter of an OAuth 2.0 or OpenID
// Connect error response.
type ErrorCode string

// Error codes of RFC 6749 §4.1.2.1 and §5.2, OpenID Connect Core §3.1.2.6,
// RFC 8628 §3.5 and RFC 6750 §3.1.
const (
	CodeInvalidRequest          ErrorCode = "invalid_request"
	CodeInvalidClient           ErrorCode = "invalid_client"
	CodeInvalidGrant            ErrorCode = "invalid_grant"
	CodeUnauthorizedClient      ErrorCode = "unauthorized_client"
	CodeUnsupportedGrantType    ErrorCode = "unsupported_grant_type"
	CodeInvalidScope            ErrorCode = "invalid_scope"
	CodeAccessDenied            ErrorCode = "access_denied"
	CodeUnsupportedResponseType ErrorCode = "unsupported_response_type"
	CodeServerError             ErrorCode = "server_error"
	CodeTemporarilyUnavailable  ErrorCode = "temporarily_unavailable"
	CodeInvalidToken            ErrorCode = "invalid_token"
	CodeInsufficientScope       ErrorCode = "insufficient_scope"

	CodeLoginRequired       ErrorCode = "login_required"
	CodeConsentRequired     ErrorCode = "consent_required"
	CodeInteractionRequired ErrorCode = "interaction_required"

	CodeAuthorizationPending ErrorCode = "authorization_pending"
	CodeSlowDown             ErrorCode = "slow_down"
	CodeExpiredToken         ErrorCode = "expired_token"

	// Dynamic client registration (RFC 7591 §3.2.2).
	CodeInvalidRedirectURI    ErrorCode = "invalid_redirect_uri"
	CodeInvalidClientMetadata ErrorCode = "invalid_client_metadata"
)

// Error is a protocol error: what the client is told (Code, Description),
// with which HTTP status, and an unexported cause that the server logs but
// never sends.
type Error struct {
	Code        ErrorCode
	Description string
	// Status is the HTTP status for responses that are not redirects. Zero
	// means the code's usual status (see StatusFor).
	Status int
	cause  error
}

// NewError returns an Error with the given code and description.
func NewError(code ErrorCode, description string) *Error {
	return &Error{Code: code, Description: description}
}

// Errorf-free constructors keep call sites short and readable.

// InvalidRequest is an invalid_request error.
func InvalidRequest(description string) *Error { return NewError(CodeInvalidRequest, description) }

// InvalidGrant is an invalid_grant error.
func InvalidGrant(description string) *Error { return NewError(CodeInvalidGrant, description) }

// InvalidScope is an invalid_scope error.
func InvalidScope(description string) *Error { return NewError(CodeInvalidScope, description) }

// InvalidClient is an invalid_client error (HTTP 401).
func InvalidClient(description string) *Error { return NewError(CodeInvalidClient, description) }

// ServerError wraps an internal failure. The cause is kept for the log; the
// client only learns that something went wrong on the server.
func ServerError(cause error) *Error {
	return &Error{Code: CodeServerError, Description: "The server could not complete the request; try again later.", cause: cause}
}

// WithCause returns a copy of e that records cause for the log.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.cause = cause
	return &c
}

// WithStatus returns a copy of e with an explicit HTTP status.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

// Error implements error. It never includes the cause.
func (e *Error) Error() string {
	if e.Description == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Description
}

// Unwrap returns the cause, so errors.Is and errors.As see through an Error.
func (e *Error) Unwrap() error { return e.cause }

// Cause returns the internal cause, for logging only.
func (e *Error) Cause() error { return e.cause }

// HTTPStatus returns the status to send with e as a JSON response.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return StatusFor(e.Code)
}

// StatusFor returns the usual HTTP status for an error code: 401 for
// invalid_client and invalid_token (RFC 6749 §5.2, RFC 6750 §3.1), 403 for
// insufficient_scope and access_denied, 500 and 503 for server failures, and
// 400 for the rest.
func StatusFor(code ErrorCode) int {
	switch code {
	case CodeInvalidClient, CodeInvalidToken:
		return http.StatusUnauthorized
	case CodeInsufficientScope, CodeAccessDenied:
		return http.StatusForbidden
	case CodeServerError:
		return http.StatusInternalServerError
	case CodeTemporarilyUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusBadRequest
	}
}

// AsError returns err as an *Error. Anything that is not already one becomes
// a server_error whose cause is err.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ServerError(err)
}

// ErrorResponse is the JSON body of an error response (RFC 6749 §5.2).
type ErrorResponse struct {
	Error            ErrorCode `json:"error"`
	ErrorDescription string    `json:"error_description,omitempty"`
}

// Response returns the JSON body for e.
func (e *Error) Response() ErrorResponse {
	return ErrorResponse{Error: e.Code, ErrorDescription: e.Description}
}
