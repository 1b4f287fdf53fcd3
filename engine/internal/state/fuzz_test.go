package state

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must return an error or a row that
// encodes back to exactly the same bytes, never panic.
func FuzzDecode(f *testing.F) {
	c := NewValueCodec(FieldTypes(allTypesSchema()))
	for _, row := range sampleRows() {
		f.Add(c.AppendRow(nil, row))
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		row, err := c.Decode(data)
		if err != nil {
			return
		}
		if again := c.AppendRow(nil, row); !bytes.Equal(again, data) {
			t.Fatalf("re-encoding %x gave %x", data, again)
		}
	})
}
