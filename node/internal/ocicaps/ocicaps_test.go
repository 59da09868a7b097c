package ocicaps

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFromMask(t *testing.T) {
	// The bounding set measured on this project's hosts: everything up to
	// CAP_CHECKPOINT_RESTORE except CAP_SYS_RESOURCE (bit 24).
	set := FromMask(0x000001fffeffffff)
	if set["CAP_SYS_RESOURCE"] {
		t.Error("CAP_SYS_RESOURCE is in the set, but bit 24 is clear")
	}
	for _, name := range []string{"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_CHECKPOINT_RESTORE"} {
		if !set[name] {
			t.Errorf("%s missing from the set", name)
		}
	}
	if len(set) != 40 {
		t.Errorf("got %d capabilities, want 40", len(set))
	}
}

func TestFilterFileRemovesOnlyWhatTheHostLacks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	spec := map[string]any{
		"ociVersion": "1.0.2",
		"process": map[string]any{
			"args": []any{"/sbin/init"},
			"capabilities": map[string]any{
				"bounding":  []any{"CAP_CHOWN", "CAP_SYS_RESOURCE", "CAP_SYS_ADMIN"},
				"effective": []any{"CAP_SYS_RESOURCE", "CAP_CHOWN"},
				"permitted": []any{"CAP_CHOWN"},
			},
		},
		"hostname": "node",
	}
	raw, _ := json.Marshal(spec)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	allowed := FromMask(0x000001fffeffffff)
	removed, err := FilterFile(path, "process", allowed)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(removed, []string{"CAP_SYS_RESOURCE"}) {
		t.Errorf("removed %v, want [CAP_SYS_RESOURCE]", removed)
	}
	var got map[string]any
	raw, _ = os.ReadFile(path)
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	caps := got["process"].(map[string]any)["capabilities"].(map[string]any)
	want := map[string]any{
		"bounding":  []any{"CAP_CHOWN", "CAP_SYS_ADMIN"},
		"effective": []any{"CAP_CHOWN"},
		"permitted": []any{"CAP_CHOWN"},
	}
	if !reflect.DeepEqual(caps, want) {
		t.Errorf("capabilities = %v, want %v", caps, want)
	}
	if got["hostname"] != "node" {
		t.Error("an unrelated field was lost")
	}
}

func TestFilterFileLeavesAFullHostAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "process.json")
	original := []byte(`{"args":["sh"],"capabilities":{"bounding":["CAP_SYS_RESOURCE"]}}`)
	if err := os.WriteFile(path, original, 0o600); err != nil {
		t.Fatal(err)
	}
	removed, err := FilterFile(path, "", FromMask(^uint64(0)))
	if err != nil || removed != nil {
		t.Fatalf("FilterFile = %v, %v; want nothing removed", removed, err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(original) {
		t.Errorf("file rewritten on a host with every capability: %s", after)
	}
}
