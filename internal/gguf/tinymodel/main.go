// Command tinymodel writes the tests' tiny random-weight GGUF model (about
// 10 MB) from a vocab-only GGUF, so a real llama.cpp server can be tested
// with no model hub:
//
//	go run ./internal/gguf/tinymodel -vocab "$(scripts/llama-server.sh --vocab)" -out tiny.gguf
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentdesk/agentdesk/internal/gguf"
)

func main() {
	vocab := flag.String("vocab", "", "a vocab-only qwen2 GGUF (llama.cpp's models/ggml-vocab-qwen2.gguf)")
	out := flag.String("out", "", "where to write the model")
	seed := flag.Uint64("seed", gguf.DefaultTiny.Seed, "random seed of the weights")
	flag.Parse()
	if *vocab == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: tinymodel -vocab VOCAB.gguf -out MODEL.gguf [-seed N]")
		os.Exit(2)
	}
	if err := run(*vocab, *out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "tinymodel:", err)
		os.Exit(1)
	}
}

func run(vocabPath, out string, seed uint64) error {
	vf, err := os.Open(vocabPath)
	if err != nil {
		return err
	}
	defer vf.Close()
	vocab, err := gguf.ReadHeader(vf)
	if err != nil {
		return fmt.Errorf("%s: %w", vocabPath, err)
	}
	cfg := gguf.DefaultTiny
	cfg.Seed = seed
	kvs, tensors, err := gguf.TinyModel(vocab, cfg)
	if err != nil {
		return err
	}
	// Write beside the target and rename, so a reader never sees half a model.
	tmp, err := os.CreateTemp(filepath.Dir(out), ".tinymodel-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := gguf.Write(tmp, kvs, tensors); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
