package team

import (
	"math"
	"testing"
)

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	if got := Sparkline([]float64{0, 1, 2, 4, 8, nan, 8}); got != "▁▂▃▅█ █" {
		t.Fatalf("Sparkline = %q", got)
	}
	if got := Sparkline([]float64{0, 0, nan}); got != "▁▁ " {
		t.Fatalf("all zero = %q", got)
	}
}
