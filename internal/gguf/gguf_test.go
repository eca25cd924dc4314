package gguf

import (
	"bytes"
	"crypto/sha256"
	"math"
	"strings"
	"testing"
)

func fakeVocab(n int) *File {
	toks := Array{Elem: TypeString}
	types := Array{Elem: TypeInt32}
	for i := range n {
		toks.Values = append(toks.Values, strings.Repeat("a", i%5+1))
		types.Values = append(types.Values, int32(1))
	}
	return &File{Version: 3, KVs: []KV{
		{Key: "general.architecture", Type: TypeString, Value: "qwen2"},
		{Key: "qwen2.block_count", Type: TypeUint32, Value: uint32(32)}, // the vocab's own hparams are not copied
		{Key: "tokenizer.ggml.model", Type: TypeString, Value: "gpt2"},
		{Key: "tokenizer.ggml.tokens", Type: TypeArray, Value: toks},
		{Key: "tokenizer.ggml.token_type", Type: TypeArray, Value: types},
		{Key: "tokenizer.ggml.eos_token_id", Type: TypeUint32, Value: uint32(3)},
	}}
}

// TestTinyModelRoundTrip: the written model reads back with the tokenizer
// of the vocab, the small hparams, and every tensor aligned where its info
// says. Whether llama.cpp loads it is proven by the tests against a real
// llama-server (e2e/llm_test.go).
func TestTinyModelRoundTrip(t *testing.T) {
	cfg := TinyConfig{Embed: 8, FF: 16, Layers: 2, Heads: 2, KVHeads: 1, Context: 256, Seed: 7}
	kvs, tensors, err := TinyModel(fakeVocab(50), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, kvs, tensors); err != nil {
		t.Fatal(err)
	}
	f, err := ReadHeader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if kv, _ := f.Get("qwen2.block_count"); kv.Value != uint32(2) {
		t.Fatalf("block_count %v", kv.Value)
	}
	if kv, _ := f.Get("tokenizer.ggml.tokens"); len(kv.Value.(Array).Values) != 50 {
		t.Fatalf("tokens %v", kv.Value)
	}
	if kv, _ := f.Get("tokenizer.ggml.eos_token_id"); kv.Value != uint32(3) {
		t.Fatalf("eos %v", kv.Value)
	}
	if len(f.Tensors) != 2+9*cfg.Layers {
		t.Fatalf("%d tensors", len(f.Tensors))
	}
	var last TensorInfo
	for i, ti := range f.Tensors {
		if ti.Offset%DefaultAlignment != 0 {
			t.Fatalf("tensor %s at unaligned offset %d", ti.Name, ti.Offset)
		}
		if ti.Name != tensors[i].Name || ti.Type != tensors[i].Type {
			t.Fatalf("tensor %d: %+v, wrote %s", i, ti, tensors[i].Name)
		}
		last = ti
	}
	if last.Name != "blk.1.ffn_up.weight" || last.Dims[0] != 8 || last.Dims[1] != 16 {
		t.Fatalf("last tensor %+v", last)
	}
	// token_embd is F16: 8 × 50 × 2 bytes; its first value decodes back.
	emb := f.Tensors[0]
	if emb.Dims[0] != 8 || emb.Dims[1] != 50 || emb.Type != GGMLTypeF16 {
		t.Fatalf("token_embd %+v", emb)
	}
	// Deterministic: the same config gives the same bytes.
	kvs2, tensors2, _ := TinyModel(fakeVocab(50), cfg)
	var again bytes.Buffer
	Write(&again, kvs2, tensors2)
	if sha256.Sum256(buf.Bytes()) != sha256.Sum256(again.Bytes()) {
		t.Fatal("two writes of the same model differ")
	}
}

func TestTinyModelRefusesOtherVocab(t *testing.T) {
	v := fakeVocab(5)
	v.KVs[0].Value = "llama"
	if _, _, err := TinyModel(v, DefaultTiny); err == nil || !strings.Contains(err.Error(), "qwen2") {
		t.Fatalf("err %v", err)
	}
}

func TestReadHeaderRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "GGU", "NOPE\x03\x00\x00\x00", "GGUF\x09\x00\x00\x00", "GGUF\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"} {
		if _, err := ReadHeader(strings.NewReader(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestF16(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want uint16
	}{{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800}, {65504, 0x7bff}, {1e9, 0x7bff}, {1e-9, 0}, {0.1, 0x2e66}} {
		if got := f16(c.in); got != c.want {
			t.Errorf("f16(%v) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
	if f16(float32(math.Copysign(0, -1))) != 0x8000 {
		t.Error("negative zero")
	}
}
