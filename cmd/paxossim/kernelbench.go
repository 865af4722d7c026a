package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// benchLine is one line of "go test -bench" output: the benchmark's name
// and its metrics by unit ("ns/op", "events/s", "allocs/op", ...).
type benchLine struct {
	name    string
	n       int64
	metrics map[string]float64
}

// kernelArgs is the go test invocation whose figures the README keeps.
// -cpu 1 because the kernel is single-threaded by design: the figure is per
// core, and the benchmark names carry no -N suffix.
func kernelArgs(benchtime string) []string {
	return []string{"test", "-run", "^$", "-bench", "^BenchmarkKernel", "-benchmem", "-cpu", "1", "-count", "1", "-benchtime", benchtime, "./sim"}
}

// kernelCommand is the kernel benchmarks' command line, quoted for a
// POSIX shell, exactly as runKernelBench runs it from the module root.
func kernelCommand(benchtime string) string {
	words := []string{"go"}
	for _, a := range kernelArgs(benchtime) {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

// shellQuote quotes s for a POSIX shell if it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runKernelBench runs the kernel benchmarks with the go tool from the
// module's root and returns their lines and the CPU model go test printed.
func runKernelBench(benchtime string, stderr io.Writer) ([]benchLine, string, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command("go", kernelArgs(benchtime)...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("%s: %v\n%s", kernelCommand(benchtime), err, out.String())
	}
	lines, cpu := parseBench(&out)
	if len(lines) == 0 {
		return nil, "", fmt.Errorf("go test printed no benchmark lines:\n%s", out.String())
	}
	return lines, cpu, nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v (the kernel figures need the go tool)", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == "/dev/null" || gomod == "NUL" {
		return "", fmt.Errorf("not inside the paxossim module: run paxossim bench from the repository (it runs go test ./sim)")
	}
	return filepath.Dir(gomod), nil
}

// parseBench reads go test -bench output: "BenchmarkX[-N] n v unit v unit ...".
func parseBench(r io.Reader) ([]benchLine, string) {
	var lines []benchLine
	cpu := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if c, ok := strings.CutPrefix(sc.Text(), "cpu: "); ok {
			cpu = strings.TrimSpace(c)
		}
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		bl := benchLine{name: f[0], n: n, metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				bl.metrics[f[i+1]] = v
			}
		}
		lines = append(lines, bl)
	}
	return lines, cpu
}
