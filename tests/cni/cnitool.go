// SPDX-License-Identifier: Apache-2.0

// cnitool drives CNI plugins through libcni, the library container
// runtimes use, so the tests see kube-node exactly as containerd does.
//
//	cnitool [flags] add|check|del CONF NETNS CONTAINERID
//	cnitool [flags] bench CONF NETNS N
//
// CONF is a .conflist or a single-plugin .conf; plugins are looked up on
// $CNI_PATH. add prints the result. bench adds and deletes N attachments
// (container IDs bench-0.., interfaces b0..) one after the other in NETNS
// and prints the median and 99th percentile latency of ADD and DEL, and the
// plugins' CPU time per ADD+DEL.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containernetworking/cni/libcni"
)

func load(path string) (*libcni.NetworkConfigList, error) {
	if strings.HasSuffix(path, ".conflist") {
		return libcni.ConfListFromFile(path)
	}
	conf, err := libcni.ConfFromFile(path)
	if err != nil {
		return nil, err
	}
	return libcni.ConfListFromConf(conf)
}

func parseArgs(s string) [][2]string {
	var args [][2]string
	for _, kv := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			args = append(args, [2]string{k, v})
		}
	}
	return args
}

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := int(float64(len(d))*p+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(d) {
		i = len(d) - 1
	}
	return d[i]
}

func bench(cni *libcni.CNIConfig, list *libcni.NetworkConfigList, netns string, n int) error {
	ctx := context.Background()
	var add, del []time.Duration
	// CPU time of the plugins, which the load of other processes does
	// not inflate the way it does wall-clock latency.
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru0)
	for i := 0; i < n; i++ {
		rt := &libcni.RuntimeConf{
			ContainerID: fmt.Sprintf("bench-%d", i),
			NetNS:       netns,
			IfName:      fmt.Sprintf("b%d", i),
		}
		t0 := time.Now()
		if _, err := cni.AddNetworkList(ctx, list, rt); err != nil {
			return fmt.Errorf("add %d: %w", i, err)
		}
		t1 := time.Now()
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			return fmt.Errorf("del %d: %w", i, err)
		}
		add = append(add, t1.Sub(t0))
		del = append(del, time.Since(t1))
	}
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	fmt.Printf("plugins cpu_ms_per_add_del=%.2f\n", float64(cpu.Microseconds())/1000/float64(n))
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"add", add}, {"del", del}} {
		fmt.Printf("%s n=%d median_ms=%.2f p99_ms=%.2f\n", m.name, n,
			float64(percentile(m.d, 0.5).Microseconds())/1000,
			float64(percentile(m.d, 0.99).Microseconds())/1000)
	}
	return nil
}

func main() {
	cacheDir := flag.String("cache", "", "libcni cache directory (required)")
	args := flag.String("args", "", "CNI_ARGS as K=V;K=V")
	ifname := flag.String("ifname", "eth0", "interface name in the namespace")
	flag.Parse()
	if flag.NArg() != 4 || *cacheDir == "" {
		fmt.Fprintln(os.Stderr, "usage: cnitool -cache DIR [-args K=V;..] [-ifname IF] add|check|del CONF NETNS ID | bench CONF NETNS N")
		os.Exit(2)
	}
	cmd, confPath, netns := flag.Arg(0), flag.Arg(1), flag.Arg(2)
	list, err := load(confPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cnitool: %s: %v\n", confPath, err)
		os.Exit(1)
	}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(os.Getenv("CNI_PATH")), *cacheDir, nil)
	rt := &libcni.RuntimeConf{
		ContainerID: flag.Arg(3),
		NetNS:       netns,
		IfName:      *ifname,
		Args:        parseArgs(*args),
	}
	ctx := context.Background()
	switch cmd {
	case "add":
		var res interface{ Print() error }
		if res, err = cni.AddNetworkList(ctx, list, rt); err == nil {
			err = res.Print()
		}
	case "check":
		err = cni.CheckNetworkList(ctx, list, rt)
	case "del":
		err = cni.DelNetworkList(ctx, list, rt)
	case "bench":
		var n int
		if n, err = strconv.Atoi(flag.Arg(3)); err == nil {
			err = bench(cni, list, netns, n)
		}
	default:
		err = fmt.Errorf("unknown command")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cnitool: %s: %v\n", cmd, err)
		os.Exit(1)
	}
}
