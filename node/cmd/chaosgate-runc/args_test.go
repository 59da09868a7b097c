package main

import "testing"

func TestSpecTarget(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want spec
		ok   bool
	}{
		{"docker create", []string{"--root", "/run/r", "--log", "l.json", "create", "--bundle", "/b", "--pid-file", "p", "id"},
			spec{"/b/config.json", "process"}, true},
		{"create with =", []string{"create", "--bundle=/b2", "id"}, spec{"/b2/config.json", "process"}, true},
		{"run with -b", []string{"run", "-b", "/b3", "id"}, spec{"/b3/config.json", "process"}, true},
		{"create in cwd", []string{"create", "id"}, spec{"config.json", "process"}, true},
		{"exec", []string{"--root", "/r", "exec", "--process", "/tmp/p.json", "--detach", "id"}, spec{"/tmp/p.json", ""}, true},
		{"exec -p", []string{"exec", "-p", "/tmp/q.json", "id"}, spec{"/tmp/q.json", ""}, true},
		{"exec without a process file", []string{"exec", "id", "sh"}, spec{}, false},
		{"start reads no spec", []string{"--root", "/r", "start", "id"}, spec{}, false},
		{"delete", []string{"delete", "--force", "id"}, spec{}, false},
	}
	for _, c := range cases {
		got, ok := specTarget(c.args)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: specTarget(%v) = %+v, %v; want %+v, %v", c.name, c.args, got, ok, c.want, c.ok)
		}
	}
}
