package memlimit

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestChoose(t *testing.T) {
	const mib = 1 << 20
	meminfo := func(kb string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("MemTotal:       " + kb + " kB\nMemFree:        1000 kB\n")}
	}
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	big := meminfo("25000000") // a 24 GB laptop
	scenarios := []struct {
		name   string
		env    string
		files  fstest.MapFS
		want   int64
		whyHas string
	}{
		{"GOMEMLIMIT set: left to the runtime", "384MiB", fstest.MapFS{"proc/meminfo": big}, 0, "GOMEMLIMIT=384MiB"},
		{"GOMEMLIMIT off: left to the runtime", "off", fstest.MapFS{"sys/fs/cgroup/memory.max": file("268435456\n")}, 0, "GOMEMLIMIT=off"},
		{"no cgroup limit, big machine: the default", "", fstest.MapFS{"proc/meminfo": big, "sys/fs/cgroup/memory.max": file("max\n")}, Default, "default"},
		{"nothing readable: the default", "", fstest.MapFS{}, Default, "default"},
		{"cgroup v2 root, 256 MiB", "", fstest.MapFS{"proc/meminfo": big, "sys/fs/cgroup/memory.max": file("268435456\n")}, 192 * mib, "default"},
		{"cgroup v2 root, 200 MiB", "", fstest.MapFS{"proc/meminfo": big, "sys/fs/cgroup/memory.max": file("209715200\n")}, 150 * mib, "/sys/fs/cgroup/memory.max"},
		{"cgroup v2 root, 1 GiB: the default is smaller", "", fstest.MapFS{"sys/fs/cgroup/memory.max": file("1073741824")}, Default, "default"},
		{"cgroup v2, own path", "", fstest.MapFS{
			"proc/self/cgroup": file("0::/app.slice/slotbase.service\n"),
			"sys/fs/cgroup/app.slice/slotbase.service/memory.max": file("134217728\n"),
			"sys/fs/cgroup/memory.max":                            file("max\n"),
		}, 96 * mib, "slotbase.service/memory.max"},
		{"cgroup v1, own path", "", fstest.MapFS{
			"proc/self/cgroup": file("9:name=systemd:/\n4:cpu,memory:/process_api/abc\n0::/\n"),
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": file("134217728\n"),
		}, 96 * mib, "process_api/abc/memory.limit_in_bytes"},
		{"cgroup v1 unlimited", "", fstest.MapFS{
			"proc/self/cgroup": file("4:memory:/process_api/abc\n"),
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": file("9223372036854771712\n"),
			"proc/meminfo": big,
		}, Default, "default"},
		{"small VM without cgroup limit (MemTotal 200 MiB)", "", fstest.MapFS{"proc/meminfo": meminfo("204800")}, 150 * mib, "MemTotal"},
		{"garbage in memory.max: ignored", "", fstest.MapFS{"sys/fs/cgroup/memory.max": file("lots\n")}, Default, "default"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			got, why := Choose(func(k string) string {
				if k == "GOMEMLIMIT" {
					return s.env
				}
				return ""
			}, s.files)
			if got != s.want || !strings.Contains(why, s.whyHas) {
				t.Fatalf("Choose = %d (%.1f MiB), %q; want %d, a reason naming %q", got, float64(got)/mib, why, s.want, s.whyHas)
			}
		})
	}
}
