package spacerun

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// DefaultAppFile is the app_file assumed for gradio and streamlit Spaces
// whose README names none.
const DefaultAppFile = "app.py"

// DefaultCommand picks the command that runs a Space when the user gave
// none, from the README's sdk and app_file:
//
//   - gradio: python3 APP_FILE (gradio's launch() reads the port from
//     GRADIO_SERVER_PORT, which AppEnv sets);
//   - streamlit: streamlit run APP_FILE, or python3 -m streamlit run
//     APP_FILE when no streamlit script is on PATH (port, address and
//     headless mode come from STREAMLIT_SERVER_* variables set by AppEnv,
//     which also apply to a command the user gives);
//   - static: nil and no error: hubid serves the files itself;
//   - docker and anything else: an error asking for the command after --.
//
// lookPath (exec.LookPath outside tests) checks that the interpreter is
// installed, so that the error says so rather than the exec failing.
// app_file must be a relative path inside the Space.
func DefaultCommand(sdk, appFile string, lookPath func(string) (string, error)) ([]string, error) {
	sdk = strings.ToLower(strings.TrimSpace(sdk))
	switch sdk {
	case "static":
		return nil, nil
	case "gradio", "streamlit":
	default:
		return nil, fmt.Errorf("sdk %q: pass the command to run after --, e.g. hubid space run DIR -- ./server", sdk)
	}
	app := strings.TrimSpace(appFile)
	if app == "" {
		app = DefaultAppFile
	}
	if err := checkAppFile(app); err != nil {
		return nil, fmt.Errorf("sdk %q: app_file %q: %w", sdk, appFile, err)
	}
	python := ""
	for _, p := range []string{"python3", "python"} {
		if _, err := lookPath(p); err == nil {
			python = p
			break
		}
	}
	if sdk == "streamlit" {
		if _, err := lookPath("streamlit"); err == nil {
			return []string{"streamlit", "run", app}, nil
		}
		if python != "" {
			return []string{python, "-m", "streamlit", "run", app}, nil
		}
		return nil, fmt.Errorf("sdk %q: neither streamlit nor python3 is on PATH: install streamlit (pip install streamlit), or pass the command to run after --", sdk)
	}
	if python == "" {
		return nil, fmt.Errorf("sdk %q: python3 is not on PATH: install Python and gradio (pip install gradio), or pass the command to run after --", sdk)
	}
	return []string{python, app}, nil
}

// checkAppFile refuses app files that are absolute, leave the Space's
// directory, or would be read as an option by the interpreter.
func checkAppFile(app string) error {
	switch {
	case strings.HasPrefix(app, "-"):
		return fmt.Errorf("must not start with -")
	case path.IsAbs(app) || strings.HasPrefix(app, `\`):
		return fmt.Errorf("must be relative to the Space's directory")
	}
	for _, seg := range strings.FieldsFunc(app, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return fmt.Errorf("must stay inside the Space's directory")
		}
	}
	return nil
}

// AppEnv returns the variables, as NAME=value, that tell an app of this
// sdk which port to serve on: PORT always (what Docker Spaces and
// hand-written apps read); for gradio also GRADIO_SERVER_PORT,
// GRADIO_SERVER_NAME=127.0.0.1 (only the local proxy talks to it) and
// GRADIO_NUM_PORTS=1 (fail rather than silently move to another port);
// for streamlit STREAMLIT_SERVER_PORT, STREAMLIT_SERVER_ADDRESS=127.0.0.1
// and STREAMLIT_SERVER_HEADLESS=true (no browser, no e-mail prompt).
// Python Spaces also get PYTHONUNBUFFERED=1, so their logs show at once.
// Append them after the Space's own environment: later entries win.
func AppEnv(sdk string, port int) []string {
	p := strconv.Itoa(port)
	env := []string{"PORT=" + p}
	switch strings.ToLower(strings.TrimSpace(sdk)) {
	case "gradio":
		env = append(env,
			"GRADIO_SERVER_PORT="+p,
			"GRADIO_SERVER_NAME=127.0.0.1",
			"GRADIO_NUM_PORTS=1",
			"PYTHONUNBUFFERED=1",
		)
	case "streamlit":
		env = append(env,
			"STREAMLIT_SERVER_PORT="+p,
			"STREAMLIT_SERVER_ADDRESS=127.0.0.1",
			"STREAMLIT_SERVER_HEADLESS=true",
			"PYTHONUNBUFFERED=1",
		)
	}
	return env
}
