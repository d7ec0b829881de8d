package server

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// serveAvatar draws the default avatar for /avatars/{md5}.svg: a two-colour
// gradient picked from the digest, so each user has a stable one.
func (s *Server) serveAvatar(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	sum, err := hex.DecodeString(name)
	if !ok || err != nil || len(sum) != 16 {
		http.NotFound(w, r)
		return
	}
	hue1 := int(sum[0]) * 360 / 256
	hue2 := (hue1 + 40 + int(sum[1])%80) % 360
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">`+
		`<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(%d,70%%,60%%)"/><stop offset="1" stop-color="hsl(%d,70%%,45%%)"/></linearGradient></defs>`+
		`<rect width="64" height="64" rx="32" fill="url(#g)"/></svg>`, hue1, hue2)
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("Content-Length", strconv.Itoa(len(svg)))
	w.Write([]byte(svg))
}
