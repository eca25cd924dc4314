// Package gguf reads and writes GGUF files, the model format of llama.cpp,
// far enough for the tests' tiny random-weight models: every metadata value
// type, and tensors stored as F32 or F16.
//
// Layout (version 3): magic "GGUF", version, tensor count, metadata count,
// the metadata key/values, the tensor infos (name, dims, type, offset into
// the data section), padding to the alignment, then the tensor data.
package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Value types of metadata, as numbered by the format.
const (
	TypeUint8   uint32 = 0
	TypeInt8    uint32 = 1
	TypeUint16  uint32 = 2
	TypeInt16   uint32 = 3
	TypeUint32  uint32 = 4
	TypeInt32   uint32 = 5
	TypeFloat32 uint32 = 6
	TypeBool    uint32 = 7
	TypeString  uint32 = 8
	TypeArray   uint32 = 9
	TypeUint64  uint32 = 10
	TypeInt64   uint32 = 11
	TypeFloat64 uint32 = 12
)

// Tensor element types (ggml_type) this package writes.
const (
	GGMLTypeF32 uint32 = 0
	GGMLTypeF16 uint32 = 1
)

const magic = "GGUF"

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// KV is one metadata entry. Value holds the decoded value: uint8 … float64,
// bool, string, or Array.
type KV struct {
	Key   string
	Type  uint32
	Value any
}

// Array is a metadata array: its element type and elements.
type Array struct {
	Elem   uint32
	Values []any
}

// TensorInfo describes a tensor; Dims are innermost first, as ggml orders them.
type TensorInfo struct {
	Name   string
	Dims   []uint64
	Type   uint32
	Offset uint64
}

// File is a GGUF file's header: metadata in file order and tensor infos.
type File struct {
	Version uint32
	KVs     []KV
	Tensors []TensorInfo
}

// Get returns the metadata entry for key.
func (f *File) Get(key string) (KV, bool) {
	for _, kv := range f.KVs {
		if kv.Key == key {
			return kv, true
		}
	}
	return KV{}, false
}

// ReadHeader reads the metadata and tensor infos of a GGUF file.
func ReadHeader(r io.Reader) (*File, error) {
	br := &reader{r: bufio.NewReader(r)}
	if m := br.bytes(4); string(m) != magic {
		if br.err != nil {
			return nil, fmt.Errorf("gguf: read magic: %w", br.err)
		}
		return nil, fmt.Errorf("gguf: not a GGUF file (magic %q)", m)
	}
	f := &File{Version: br.u32()}
	if br.err == nil && (f.Version < 2 || f.Version > 3) {
		return nil, fmt.Errorf("gguf: unsupported version %d", f.Version)
	}
	nt, nkv := br.u64(), br.u64()
	if br.err != nil {
		return nil, fmt.Errorf("gguf: header: %w", br.err)
	}
	if nkv > 1<<20 || nt > 1<<20 {
		return nil, fmt.Errorf("gguf: implausible counts (%d tensors, %d keys)", nt, nkv)
	}
	for i := uint64(0); i < nkv && br.err == nil; i++ {
		key := br.str()
		typ := br.u32()
		val := br.value(typ)
		f.KVs = append(f.KVs, KV{Key: key, Type: typ, Value: val})
	}
	for i := uint64(0); i < nt && br.err == nil; i++ {
		ti := TensorInfo{Name: br.str()}
		nd := br.u32()
		if nd > 8 {
			return nil, fmt.Errorf("gguf: tensor %q has %d dims", ti.Name, nd)
		}
		for d := uint32(0); d < nd; d++ {
			ti.Dims = append(ti.Dims, br.u64())
		}
		ti.Type = br.u32()
		ti.Offset = br.u64()
		f.Tensors = append(f.Tensors, ti)
	}
	if br.err != nil {
		return nil, fmt.Errorf("gguf: metadata: %w", br.err)
	}
	return f, nil
}

type reader struct {
	r   *bufio.Reader
	err error
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > 64<<20 {
		r.err = fmt.Errorf("a %d-byte field is implausible", n)
		return nil
	}
	b := make([]byte, n)
	_, r.err = io.ReadFull(r.r, b)
	return b
}

func (r *reader) u8() uint8 {
	b := r.bytes(1)
	if r.err != nil {
		return 0
	}
	return b[0]
}

func (r *reader) u16() uint16 {
	b := r.bytes(2)
	if r.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *reader) u32() uint32 {
	b := r.bytes(4)
	if r.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) u64() uint64 {
	b := r.bytes(8)
	if r.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *reader) str() string { return string(r.bytes(r.u64())) }

func (r *reader) value(typ uint32) any {
	switch typ {
	case TypeUint8:
		return r.u8()
	case TypeInt8:
		return int8(r.u8())
	case TypeUint16:
		return r.u16()
	case TypeInt16:
		return int16(r.u16())
	case TypeUint32:
		return r.u32()
	case TypeInt32:
		return int32(r.u32())
	case TypeFloat32:
		return math.Float32frombits(r.u32())
	case TypeBool:
		return r.u8() != 0
	case TypeString:
		return r.str()
	case TypeUint64:
		return r.u64()
	case TypeInt64:
		return int64(r.u64())
	case TypeFloat64:
		return math.Float64frombits(r.u64())
	case TypeArray:
		elem := r.u32()
		n := r.u64()
		if elem == TypeArray {
			r.err = errors.New("nested arrays are not supported")
			return nil
		}
		if n > 1<<24 {
			r.err = fmt.Errorf("an array of %d elements is implausible", n)
			return nil
		}
		a := Array{Elem: elem, Values: make([]any, 0, n)}
		for i := uint64(0); i < n && r.err == nil; i++ {
			a.Values = append(a.Values, r.value(elem))
		}
		return a
	}
	if r.err == nil {
		r.err = fmt.Errorf("unknown value type %d", typ)
	}
	return nil
}
