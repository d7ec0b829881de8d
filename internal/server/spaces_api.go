package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/hubid/hubid/internal/httpx"
	"github.com/hubid/hubid/internal/spaces"
	"github.com/hubid/hubid/internal/store"
	"github.com/hubid/hubid/oidc"
)

// maxReadmeBytes bounds a synced README.
const maxReadmeBytes = 1 << 20

// SpaceSyncRequest is the body of PUT /api/spaces/{owner}/{name}. The
// answer is a spaces.SyncResponse.
type SpaceSyncRequest struct {
	// Readme is the Space's README.md; its front matter is the metadata.
	Readme string `json:"readme"`
	// Hosts overrides the Space's hosts (first primary). Default:
	// {owner}-{name}.{spaces domain}. Each must be that host (any port),
	// a loopback host, or, only when the hub allows custom domains
	// (--space-custom-domains), a host outside the spaces domain.
	Hosts []string `json:"hosts,omitempty"`
	// DevHosts are the loopback host:port pairs a local run (hubid space
	// run) serves the Space on: the app accepts redirect URIs on them too,
	// its own hosts stay as they are, and SPACE_HOST in the answer lists
	// them (see spaces.SyncOptions.DevHosts).
	DevHosts []string `json:"dev_hosts,omitempty"`
	// RotateSecret gives the app a new secret, returned in the answer.
	RotateSecret bool `json:"rotate_secret,omitempty"`
	// HFEndpoint is the Space's HF_ENDPOINT in the answer: "" (the
	// hub's issuer), "off" (none) or another URL of the hub (see
	// spaces.ParseHFEndpoint).
	HFEndpoint string `json:"hf_endpoint,omitempty"`
}

// serveSpaceSync is PUT /api/spaces/{owner}/{name}: sync a Space's OAuth
// app from its README, authenticated with a write user access token of the
// owner or of an admin of the owning org.
func (s *Server) serveSpaceSync(w http.ResponseWriter, r *http.Request) {
	sp, user, e := s.spaceCaller(r)
	if e != nil {
		httpx.WriteError(w, r, e)
		return
	}
	var req SpaceSyncRequest
	if e := decodeSyncRequest(w, r, &req); e != nil {
		httpx.WriteError(w, r, e)
		return
	}
	md, err := spaces.ParseReadme([]byte(req.Readme))
	if err != nil {
		httpx.WriteError(w, r, oidc.InvalidRequest(err.Error()))
		return
	}
	sp.Hosts = req.Hosts
	if len(sp.Hosts) == 0 {
		sp.Hosts = []string{spaces.DefaultHost(sp.Owner, sp.Name, s.spacesDomain)}
	}
	if err := spaces.CheckHosts(sp, spaces.HostPolicy{SpacesDomain: s.spacesDomain, CustomDomains: s.customHosts}); err != nil {
		httpx.WriteError(w, r, oidc.InvalidRequest(err.Error()))
		return
	}
	hfEndpoint, err := spaces.ParseHFEndpoint(req.HFEndpoint)
	if err != nil {
		httpx.WriteError(w, r, oidc.InvalidRequest("hf_endpoint: "+err.Error()))
		return
	}
	opt := spaces.SyncOptions{CreatorID: user.ID, RotateSecret: req.RotateSecret, DevHosts: req.DevHosts, HFEndpoint: hfEndpoint}
	res, err := spaces.Sync(r.Context(), s.store, sp, md, opt, s.now())
	if err != nil {
		if ps := spaces.MetadataErrors(err); len(ps) > 0 {
			// A README problem found at sync (an org that does not
			// exist): name its line like the parser's problems.
			spaces.LocateInReadme(err, []byte(req.Readme))
			msgs := make([]string, len(ps))
			for i, p := range ps {
				msgs[i] = p.Error()
			}
			httpx.WriteError(w, r, oidc.InvalidRequest(strings.Join(msgs, "\n")))
			return
		}
		if ie, ok := errors.AsType[*spaces.InputError](err); ok {
			httpx.WriteError(w, r, oidc.InvalidRequest(ie.Msg))
			return
		}
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	}
	s.log.InfoContext(r.Context(), "space synced", "space", sp.ID(), "user_id", user.ID, "created", res.Created, "changed", res.Changed, "disabled", res.Disabled)
	httpx.WriteJSON(w, r, http.StatusOK, spaces.NewSyncResponse(s.issuer, sp, md, opt, res))
}

// serveSpaceDelete is DELETE /api/spaces/{owner}/{name}: the Space is gone,
// so its app, consents and tokens go too. 404 when the Space has no app.
func (s *Server) serveSpaceDelete(w http.ResponseWriter, r *http.Request) {
	sp, _, e := s.spaceCaller(r)
	if e != nil {
		httpx.WriteError(w, r, e)
		return
	}
	if err := spaces.Delete(r.Context(), s.store, sp.ID()); errors.Is(err, store.ErrNotFound) {
		httpx.WriteError(w, r, oidc.InvalidRequest(fmt.Sprintf("the Space %s has no OAuth app on this hub: nothing to delete", sp.ID())).WithStatus(http.StatusNotFound))
		return
	} else if err != nil {
		httpx.WriteError(w, r, oidc.ServerError(err))
		return
	}
	httpx.WriteJSON(w, r, http.StatusOK, map[string]any{"space_id": sp.ID(), "deleted": true})
}

// spaceCaller authenticates the caller and checks they may manage the
// Space: its owner, or an admin of the owning org, with a write token.
func (s *Server) spaceCaller(r *http.Request) (spaces.Space, store.User, *oidc.Error) {
	owner, name := r.PathValue("owner"), r.PathValue("name")
	if _, _, err := spaces.ParseSpaceID(owner + "/" + name); err != nil {
		return spaces.Space{}, store.User{}, oidc.InvalidRequest(err.Error())
	}
	t, u, e := s.bearer(r, store.KindUser)
	if e != nil {
		return spaces.Space{}, u, e
	}
	if t.Role != store.RoleWrite {
		return spaces.Space{}, u, oidc.NewError(oidc.CodeInsufficientScope, "this token is read-only; managing a Space needs a write token (hubid token create --role write)")
	}
	sp := spaces.Space{Owner: owner, Name: name}
	if strings.EqualFold(owner, u.Username) {
		sp.Owner = u.Username
		return sp, u, nil
	}
	org, err := s.store.OrgByName(r.Context(), owner)
	if errors.Is(err, store.ErrNotFound) {
		return sp, u, oidc.NewError(oidc.CodeAccessDenied, fmt.Sprintf("@%s may not manage Spaces of %q: it is neither you nor an org you administer", u.Username, owner))
	}
	if err != nil {
		return sp, u, oidc.ServerError(err)
	}
	ms, err := s.store.Memberships(r.Context(), u.ID)
	if err != nil {
		return sp, u, oidc.ServerError(err)
	}
	for _, m := range ms {
		if m.Org.ID == org.ID && m.Role == store.RoleAdmin {
			sp.Owner = org.Name
			return sp, u, nil
		}
	}
	return sp, u, oidc.NewError(oidc.CodeAccessDenied, fmt.Sprintf("@%s is not an admin of the org %s", u.Username, org.Name))
}

// decodeSyncRequest reads a JSON SpaceSyncRequest, or a raw README
// (text/markdown or text/plain) with hosts in ?host= and ?dev_host=.
func decodeSyncRequest(w http.ResponseWriter, r *http.Request, req *SpaceSyncRequest) *oidc.Error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReadmeBytes+64<<10))
	if err != nil {
		return oidc.InvalidRequest(fmt.Sprintf("the body is larger than %d bytes", maxReadmeBytes)).WithStatus(http.StatusRequestEntityTooLarge)
	}
	switch mt {
	case "application/json":
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(req); err != nil {
			return oidc.InvalidRequest("the body is not a valid sync request: " + err.Error() + `; send {"readme": "<README.md>", "hosts": [...]}`)
		}
	case "text/markdown", "text/plain", "":
		req.Readme = string(body)
		req.Hosts = r.URL.Query()["host"]
		req.DevHosts = r.URL.Query()["dev_host"]
		req.RotateSecret = r.URL.Query().Get("rotate_secret") == "true"
	default:
		return oidc.InvalidRequest(fmt.Sprintf("content type %q is not supported; send application/json or the README as text/markdown", mt))
	}
	if len(req.Readme) > maxReadmeBytes {
		return oidc.InvalidRequest(fmt.Sprintf("the README is larger than %d bytes", maxReadmeBytes))
	}
	return nil
}
