package spacerun

import (
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakePath is a lookPath that finds only the given programs.
func fakePath(found ...string) func(string) (string, error) {
	return func(name string) (string, error) {
		for _, f := range found {
			if f == name {
				return "/usr/bin/" + name, nil
			}
		}
		return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
	}
}

func TestDefaultCommand(t *testing.T) {
	all := fakePath("python3", "python", "streamlit")
	for _, tc := range []struct {
		sdk, appFile string
		lookPath     func(string) (string, error)
		want         []string
		wantErr      string
	}{
		{"gradio", "app.py", all, []string{"python3", "app.py"}, ""},
		{"Gradio", "src/main.py", all, []string{"python3", "src/main.py"}, ""},
		{"gradio", "", all, []string{"python3", "app.py"}, ""},
		{"gradio", "app.py", fakePath("python"), []string{"python", "app.py"}, ""},
		{"gradio", "app.py", fakePath(), nil, `sdk "gradio": python3 is not on PATH: install Python and gradio (pip install gradio), or pass the command to run after --`},
		{"streamlit", "streamlit_app.py", all, []string{"streamlit", "run", "streamlit_app.py"}, ""},
		{"streamlit", "", fakePath("python3"), []string{"python3", "-m", "streamlit", "run", "app.py"}, ""},
		{"streamlit", "app.py", fakePath(), nil, `sdk "streamlit": neither streamlit nor python3 is on PATH: install streamlit (pip install streamlit), or pass the command to run after --`},
		{"static", "index.html", all, nil, ""},
		{"static", "", fakePath(), nil, ""},
		{"docker", "", all, nil, `sdk "docker": pass the command to run after --, e.g. hubid space run DIR -- ./server`},
		{"", "app.py", all, nil, `sdk "": pass the command to run after --, e.g. hubid space run DIR -- ./server`},
		{"panel", "app.py", all, nil, `sdk "panel": pass the command to run after --, e.g. hubid space run DIR -- ./server`},
		{"gradio", "../app.py", all, nil, `sdk "gradio": app_file "../app.py": must stay inside the Space's directory`},
		{"gradio", "/srv/app.py", all, nil, `sdk "gradio": app_file "/srv/app.py": must be relative to the Space's directory`},
		{"gradio", "-c", all, nil, `sdk "gradio": app_file "-c": must not start with -`},
	} {
		got, err := DefaultCommand(tc.sdk, tc.appFile, tc.lookPath)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if gotErr != tc.wantErr {
			t.Errorf("DefaultCommand(%q, %q): error %q, want %q", tc.sdk, tc.appFile, gotErr, tc.wantErr)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("DefaultCommand(%q, %q) (-want +got):\n%s", tc.sdk, tc.appFile, diff)
		}
	}
}

func TestDefaultCommandAppEnv(t *testing.T) {
	for _, tc := range []struct {
		sdk  string
		want []string
	}{
		{"gradio", []string{"PORT=7861", "GRADIO_SERVER_PORT=7861", "GRADIO_SERVER_NAME=127.0.0.1", "GRADIO_NUM_PORTS=1", "PYTHONUNBUFFERED=1"}},
		{"streamlit", []string{"PORT=7861", "STREAMLIT_SERVER_PORT=7861", "STREAMLIT_SERVER_ADDRESS=127.0.0.1", "STREAMLIT_SERVER_HEADLESS=true", "PYTHONUNBUFFERED=1"}},
		{"docker", []string{"PORT=7861"}},
		{"static", []string{"PORT=7861"}},
		{"", []string{"PORT=7861"}},
	} {
		if diff := cmp.Diff(tc.want, AppEnv(tc.sdk, 7861)); diff != "" {
			t.Errorf("AppEnv(%q) (-want +got):\n%s", tc.sdk, diff)
		}
	}
}
