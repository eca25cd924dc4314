package gguf

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// TinyConfig shapes a tiny random-weight qwen2 model: enough for llama.cpp
// to load it and generate, nothing more. It proves the wire, not the quality.
type TinyConfig struct {
	Embed, FF, Layers, Heads, KVHeads, Context int
	Seed                                       uint64
}

// DefaultTiny is the model the tests use: about 10 MB with a qwen2 vocab.
var DefaultTiny = TinyConfig{Embed: 32, FF: 64, Layers: 2, Heads: 4, KVHeads: 2, Context: 4096, Seed: 1}

// TinyModel builds the metadata and tensors of a qwen2 model with random
// weights and the tokenizer of vocab (a vocab-only GGUF such as llama.cpp's
// models/ggml-vocab-qwen2.gguf). The same config and vocab give the same
// bytes.
func TinyModel(vocab *File, cfg TinyConfig) ([]KV, []Tensor, error) {
	if a, ok := vocab.Get("general.architecture"); !ok || a.Value != "qwen2" {
		return nil, nil, fmt.Errorf("gguf: the vocab file's architecture is %v, want qwen2", a.Value)
	}
	toks, ok := vocab.Get("tokenizer.ggml.tokens")
	if !ok {
		return nil, nil, fmt.Errorf("gguf: the vocab file has no tokenizer.ggml.tokens")
	}
	nVocab := uint64(len(toks.Value.(Array).Values))
	if cfg.Embed%cfg.Heads != 0 || cfg.Heads%cfg.KVHeads != 0 {
		return nil, nil, fmt.Errorf("gguf: %d heads / %d kv heads do not divide %d", cfg.Heads, cfg.KVHeads, cfg.Embed)
	}
	u32 := func(k string, v int) KV { return KV{Key: k, Type: TypeUint32, Value: uint32(v)} }
	f32 := func(k string, v float32) KV { return KV{Key: k, Type: TypeFloat32, Value: v} }
	kvs := []KV{
		{Key: "general.architecture", Type: TypeString, Value: "qwen2"},
		{Key: "general.name", Type: TypeString, Value: "agentdesk-tiny-random"},
		u32("general.file_type", 1), // mostly F16
		u32("qwen2.block_count", cfg.Layers),
		u32("qwen2.context_length", cfg.Context),
		u32("qwen2.embedding_length", cfg.Embed),
		u32("qwen2.feed_forward_length", cfg.FF),
		u32("qwen2.attention.head_count", cfg.Heads),
		u32("qwen2.attention.head_count_kv", cfg.KVHeads),
		f32("qwen2.rope.freq_base", 1e6),
		f32("qwen2.attention.layer_norm_rms_epsilon", 1e-6),
	}
	for _, kv := range vocab.KVs {
		if strings.HasPrefix(kv.Key, "tokenizer.") {
			kvs = append(kvs, kv)
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	random := func(name string, typ uint32, dims ...uint64) Tensor {
		t := Tensor{Name: name, Dims: dims, Type: typ}
		t.Data = make([]float32, t.elems())
		for i := range t.Data {
			t.Data[i] = float32(rng.NormFloat64() * 0.02)
		}
		return t
	}
	ones := func(name string, n int) Tensor {
		t := Tensor{Name: name, Dims: []uint64{uint64(n)}, Type: GGMLTypeF32, Data: make([]float32, n)}
		for i := range t.Data {
			t.Data[i] = 1
		}
		return t
	}
	e, ff := uint64(cfg.Embed), uint64(cfg.FF)
	kvDim := e / uint64(cfg.Heads) * uint64(cfg.KVHeads)
	tensors := []Tensor{
		random("token_embd.weight", GGMLTypeF16, e, nVocab), // the output layer reuses it
		ones("output_norm.weight", cfg.Embed),
	}
	for i := range cfg.Layers {
		p := fmt.Sprintf("blk.%d.", i)
		tensors = append(tensors,
			ones(p+"attn_norm.weight", cfg.Embed),
			random(p+"attn_q.weight", GGMLTypeF32, e, e),
			random(p+"attn_k.weight", GGMLTypeF32, e, kvDim),
			random(p+"attn_v.weight", GGMLTypeF32, e, kvDim),
			random(p+"attn_output.weight", GGMLTypeF32, e, e),
			ones(p+"ffn_norm.weight", cfg.Embed),
			random(p+"ffn_gate.weight", GGMLTypeF32, e, ff),
			random(p+"ffn_down.weight", GGMLTypeF32, ff, e),
			random(p+"ffn_up.weight", GGMLTypeF32, e, ff),
		)
	}
	return kvs, tensors, nil
}
