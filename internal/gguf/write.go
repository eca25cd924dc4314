package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Tensor is a tensor to write: its name, dims (innermost first) and data as
// float32, stored as F32 or F16.
type Tensor struct {
	Name string
	Dims []uint64
	Type uint32 // GGMLTypeF32 or GGMLTypeF16
	Data []float32
}

func (t Tensor) elems() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

func (t Tensor) size() uint64 {
	if t.Type == GGMLTypeF16 {
		return 2 * t.elems()
	}
	return 4 * t.elems()
}

// Write writes a version-3 GGUF file with the metadata kvs and tensors,
// aligning tensor data to DefaultAlignment (kvs must not set another
// general.alignment).
func Write(w io.Writer, kvs []KV, tensors []Tensor) error {
	for _, t := range tensors {
		if t.Type != GGMLTypeF32 && t.Type != GGMLTypeF16 {
			return fmt.Errorf("gguf: tensor %q: type %d is not F32 or F16", t.Name, t.Type)
		}
		if uint64(len(t.Data)) != t.elems() {
			return fmt.Errorf("gguf: tensor %q: %d values for dims %v", t.Name, len(t.Data), t.Dims)
		}
	}
	bw := &writer{w: bufio.NewWriterSize(w, 1<<20)}
	bw.raw([]byte(magic))
	bw.u32(3)
	bw.u64(uint64(len(tensors)))
	bw.u64(uint64(len(kvs)))
	for _, kv := range kvs {
		bw.str(kv.Key)
		bw.u32(kv.Type)
		bw.value(kv.Type, kv.Value)
	}
	var off uint64
	for _, t := range tensors {
		bw.str(t.Name)
		bw.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			bw.u64(d)
		}
		bw.u32(t.Type)
		bw.u64(off)
		off = align(off + t.size())
	}
	bw.pad()
	for _, t := range tensors {
		for _, v := range t.Data {
			if t.Type == GGMLTypeF16 {
				bw.u16(f16(v))
			} else {
				bw.u32(math.Float32bits(v))
			}
		}
		bw.pad()
	}
	if bw.err != nil {
		return fmt.Errorf("gguf: write: %w", bw.err)
	}
	if err := bw.w.Flush(); err != nil {
		return fmt.Errorf("gguf: write: %w", err)
	}
	return nil
}

func align(n uint64) uint64 {
	return (n + DefaultAlignment - 1) / DefaultAlignment * DefaultAlignment
}

type writer struct {
	w   *bufio.Writer
	n   uint64
	err error
}

func (w *writer) raw(b []byte) {
	if w.err != nil {
		return
	}
	var n int
	n, w.err = w.w.Write(b)
	w.n += uint64(n)
}

func (w *writer) pad() {
	if r := align(w.n) - w.n; r > 0 {
		w.raw(make([]byte, r))
	}
}

func (w *writer) u8(v uint8) { w.raw([]byte{v}) }

func (w *writer) u16(v uint16) { w.raw(binary.LittleEndian.AppendUint16(nil, v)) }

func (w *writer) u32(v uint32) { w.raw(binary.LittleEndian.AppendUint32(nil, v)) }

func (w *writer) u64(v uint64) { w.raw(binary.LittleEndian.AppendUint64(nil, v)) }

func (w *writer) str(s string) {
	w.u64(uint64(len(s)))
	w.raw([]byte(s))
}

func (w *writer) value(typ uint32, v any) {
	if w.err != nil {
		return
	}
	ok := true
	switch typ {
	case TypeUint8:
		var x uint8
		x, ok = v.(uint8)
		w.u8(x)
	case TypeInt8:
		var x int8
		x, ok = v.(int8)
		w.u8(uint8(x))
	case TypeUint16:
		var x uint16
		x, ok = v.(uint16)
		w.u16(x)
	case TypeInt16:
		var x int16
		x, ok = v.(int16)
		w.u16(uint16(x))
	case TypeUint32:
		var x uint32
		x, ok = v.(uint32)
		w.u32(x)
	case TypeInt32:
		var x int32
		x, ok = v.(int32)
		w.u32(uint32(x))
	case TypeFloat32:
		var x float32
		x, ok = v.(float32)
		w.u32(math.Float32bits(x))
	case TypeBool:
		var x bool
		x, ok = v.(bool)
		if x {
			w.u8(1)
		} else {
			w.u8(0)
		}
	case TypeString:
		var x string
		x, ok = v.(string)
		w.str(x)
	case TypeUint64:
		var x uint64
		x, ok = v.(uint64)
		w.u64(x)
	case TypeInt64:
		var x int64
		x, ok = v.(int64)
		w.u64(uint64(x))
	case TypeFloat64:
		var x float64
		x, ok = v.(float64)
		w.u64(math.Float64bits(x))
	case TypeArray:
		var a Array
		a, ok = v.(Array)
		w.u32(a.Elem)
		w.u64(uint64(len(a.Values)))
		for _, e := range a.Values {
			w.value(a.Elem, e)
		}
	default:
		w.err = fmt.Errorf("unknown value type %d", typ)
		return
	}
	if !ok && w.err == nil {
		w.err = fmt.Errorf("value %T does not match type %d", v, typ)
	}
}

// f16 converts to IEEE half precision, rounding to nearest even; the tests'
// weights are small, so subnormals flush to zero and overflow saturates.
func f16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case exp <= 0:
		return sign
	case exp >= 31:
		return sign | 0x7bff
	}
	h := uint32(exp)<<10 | mant>>13
	rest := mant & 0x1fff
	if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, which is still correct rounding
	}
	if h >= 0x7c00 {
		return sign | 0x7bff
	}
	return sign | uint16(h)
}
