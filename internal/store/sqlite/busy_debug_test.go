package sqlite

import (
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
)

func TestDebugBusy(t *testing.T) {
	for round := 0; round < 200; round++ {
		path := filepath.Join(t.TempDir(), "x.db")
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Go(func() {
				w, _ := sql.Open("sqlite", path+writerParams); _ = connect
				defer w.Close()
				if err := connect(t.Context(), w); err != nil {
					t.Errorf("ping: %v", err)
					return
				}
				if err := migrate(t.Context(), w); err != nil {
					t.Errorf("migrate: %v", err)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
	}
}
