package source

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// parquetReader reads parquet files into a schema: columns are matched by name (exactly,
// then case-insensitively); a column missing from a file reads as nulls, as in Spark.
type parquetReader struct {
	schema *types.StructType
}

func newParquetReader(schema *types.StructType) (*parquetReader, error) {
	for _, f := range schema.Fields {
		switch f.DataType.ID() {
		case types.ArrayID, types.MapID, types.StructID, types.IntervalID:
			return nil, fmt.Errorf("parquet: column %s of type %s: only flat columns are supported", f.Name, f.DataType.SimpleString())
		}
	}
	return &parquetReader{schema: schema}, nil
}

func openParquet(path string) (*parquet.File, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("reading parquet file %s: %w", path, err)
	}
	return pf, f, nil
}

// leafKind is how a parquet leaf column's values become internal values.
type leafKind int

const (
	leafBool leafKind = iota
	leafInt32
	leafInt64
	leafDate
	leafTsMillis
	leafTsMicros
	leafTsNanos
	leafInt96
	leafFloat
	leafDouble
	leafString
	leafBinary
)

func classifyLeaf(t parquet.Type) (leafKind, types.DataType, error) {
	lt := t.LogicalType()
	var lv format.LogicalTypeValue
	if lt != nil {
		lv = lt.Value
	}
	ct := t.ConvertedType()
	switch t.Kind() {
	case parquet.Boolean:
		return leafBool, types.BooleanType, nil
	case parquet.Int32:
		if _, ok := lv.(*format.DateType); ok || ct != nil && *ct == deprecated.Date {
			return leafDate, types.DateType, nil
		}
		return leafInt32, types.IntegerType, nil
	case parquet.Int64:
		if ts, ok := lv.(*format.TimestampType); ok {
			switch ts.Unit.Value.(type) {
			case *format.MilliSeconds:
				return leafTsMillis, types.TimestampType, nil
			case *format.NanoSeconds:
				return leafTsNanos, types.TimestampType, nil
			}
			return leafTsMicros, types.TimestampType, nil
		}
		if ct != nil && *ct == deprecated.TimestampMillis {
			return leafTsMillis, types.TimestampType, nil
		}
		if ct != nil && *ct == deprecated.TimestampMicros {
			return leafTsMicros, types.TimestampType, nil
		}
		return leafInt64, types.LongType, nil
	case parquet.Int96:
		return leafInt96, types.TimestampType, nil
	case parquet.Float:
		return leafFloat, types.FloatType, nil
	case parquet.Double:
		return leafDouble, types.DoubleType, nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		switch lv.(type) {
		case *format.StringType, *format.EnumType, *format.JsonType:
			return leafString, types.StringType, nil
		}
		if ct != nil && (*ct == deprecated.UTF8 || *ct == deprecated.Enum || *ct == deprecated.Json) {
			return leafString, types.StringType, nil
		}
		return leafBinary, types.BinaryType, nil
	}
	return 0, nil, fmt.Errorf("unsupported parquet type %s", t)
}

// parquetSchema converts a file's schema into a Spark schema (flat columns only).
func parquetSchema(path string) (*types.StructType, error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st := types.NewStructType()
	for _, fld := range pf.Schema().Fields() {
		if !fld.Leaf() || fld.Repeated() {
			return nil, fmt.Errorf("reading parquet file %s: column %s: nested and repeated columns are not supported", path, fld.Name())
		}
		_, dt, err := classifyLeaf(fld.Type())
		if err != nil {
			return nil, fmt.Errorf("reading parquet file %s: column %s: %w", path, fld.Name(), err)
		}
		st.Add(fld.Name(), dt)
	}
	return st, nil
}

type parquetCol struct {
	leaf int // column index in the file, -1 when missing
	kind leafKind
}

func (r *parquetReader) readFile(path string, batchRows int) ([]*batch.Batch, error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fields := pf.Schema().Fields()
	cols := make([]parquetCol, len(r.schema.Fields))
	for i, sf := range r.schema.Fields {
		cols[i].leaf = -1
		match := -1
		for j, pfld := range fields {
			if pfld.Name() == sf.Name {
				match = j
				break
			}
		}
		if match < 0 {
			for j, pfld := range fields {
				if strings.EqualFold(pfld.Name(), sf.Name) {
					match = j
					break
				}
			}
		}
		if match < 0 {
			continue
		}
		pfld := fields[match]
		if !pfld.Leaf() || pfld.Repeated() {
			return nil, fmt.Errorf("reading parquet file %s: column %s: nested and repeated columns are not supported", path, pfld.Name())
		}
		kind, dt, err := classifyLeaf(pfld.Type())
		if err != nil {
			return nil, fmt.Errorf("reading parquet file %s: column %s: %w", path, pfld.Name(), err)
		}
		if !convertible(dt, sf.DataType) {
			return nil, fmt.Errorf("Parquet column cannot be converted in file %s. Column: [%s], Expected: %s, Found: %s",
				path, sf.Name, sf.DataType.SimpleString(), pfld.Type())
		}
		lc, ok := pf.Schema().Lookup(pfld.Name())
		if !ok {
			return nil, fmt.Errorf("reading parquet file %s: column %s not found", path, pfld.Name())
		}
		cols[i] = parquetCol{leaf: lc.ColumnIndex, kind: kind}
	}
	out := &batchSink{schema: r.schema, max: batchRows}
	rows := make([]parquet.Row, 256)
	// byLeaf maps a leaf column index to its value in the current row.
	var byLeaf []parquet.Value
	for _, rg := range pf.RowGroups() {
		rr := rg.Rows()
		for {
			n, err := rr.ReadRows(rows)
			for _, row := range rows[:n] {
				byLeaf = byLeaf[:0]
				for _, v := range row {
					c := v.Column()
					for len(byLeaf) <= c {
						byLeaf = append(byLeaf, parquet.Value{})
					}
					byLeaf[c] = v
				}
				b := out.batch()
				for i, pc := range cols {
					v := b.Cols[i]
					if pc.leaf < 0 || pc.leaf >= len(byLeaf) || byLeaf[pc.leaf].IsNull() {
						v.AppendNull()
						continue
					}
					appendParquet(v, pc.kind, byLeaf[pc.leaf])
				}
				b.N++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rr.Close()
				return nil, fmt.Errorf("reading parquet file %s: %w", path, err)
			}
			if n == 0 {
				break
			}
		}
		if err := rr.Close(); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading parquet file %s: %w", path, err)
		}
	}
	return out.finish(), nil
}

// convertible reports whether a file column of type from can be read as to (Spark's
// schema evolution allows widening integers and floats).
func convertible(from, to types.DataType) bool {
	if from.ID() == to.ID() {
		return true
	}
	switch to.ID() {
	case types.LongID:
		return from.ID() == types.IntegerID
	case types.DoubleID:
		return from.ID() == types.IntegerID || from.ID() == types.FloatID || from.ID() == types.LongID
	case types.StringID:
		return from.ID() == types.BinaryID
	case types.BinaryID:
		return from.ID() == types.StringID
	}
	return false
}

// julianDayOfEpoch is the Julian day number of 1970-01-01 (INT96 timestamps count from it).
const julianDayOfEpoch = 2440588

func appendParquet(v *batch.Vector, kind leafKind, x parquet.Value) {
	var i64 int64
	var f64 float64
	switch kind {
	case leafBool:
		pushBool(v, x.Boolean())
		return
	case leafInt32, leafDate:
		i64 = int64(x.Int32())
	case leafInt64, leafTsMicros:
		i64 = x.Int64()
	case leafTsMillis:
		i64 = x.Int64() * 1000
	case leafTsNanos:
		i64 = x.Int64() / 1000
	case leafInt96:
		q := x.Int96()
		nanos := int64(uint64(q[1])<<32 | uint64(q[0]))
		i64 = (int64(q[2])-julianDayOfEpoch)*microsPerDay + nanos/1000
	case leafFloat:
		f64 = float64(x.Float())
	case leafDouble:
		f64 = x.Double()
	case leafString, leafBinary:
		if v.Type.ID() == types.StringID {
			pushStr(v, string(x.ByteArray()))
		} else {
			pushBytes(v, append([]byte(nil), x.ByteArray()...))
		}
		return
	}
	switch v.Type.ID() {
	case types.IntegerID, types.DateID:
		pushI32(v, int32(i64))
	case types.LongID, types.TimestampID:
		pushI64(v, i64)
	case types.FloatID:
		pushF32(v, float32(f64))
	case types.DoubleID:
		if kind == leafFloat || kind == leafDouble {
			pushF64(v, f64)
		} else {
			pushF64(v, float64(i64))
		}
	}
}
