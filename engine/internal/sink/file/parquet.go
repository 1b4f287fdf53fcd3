package file

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/types"
)

// orderedGroup is a parquet group whose fields keep the schema's order (parquet.Group
// sorts them by name), so the file's columns come in the DataFrame's order as Spark's do.
type orderedGroup struct {
	parquet.Group
	fields []parquet.Field
}

func newOrderedGroup(names []string, nodes []parquet.Node) orderedGroup {
	g := parquet.Group{}
	for i, n := range names {
		g[n] = nodes[i]
	}
	byName := map[string]parquet.Field{}
	for _, f := range g.Fields() {
		byName[f.Name()] = f
	}
	fields := make([]parquet.Field, len(names))
	for i, n := range names {
		fields[i] = byName[n]
	}
	return orderedGroup{Group: g, fields: fields}
}

func (g orderedGroup) Fields() []parquet.Field { return g.fields }

// pnode mirrors one Spark field in the parquet schema, for shredding values into leaf
// columns with repetition and definition levels (Dremel).
type pnode struct {
	t        types.DataType
	optional bool
	leaf     int      // leaf column index, for atomic types
	rep      int      // repetition level of a list's or map's repeated group
	children []*pnode // struct fields; list: element; map: key, value
	leaves   []int    // every leaf column under this node
}

// parquetNode builds the parquet node of a Spark type and its shredding node. Types follow
// Spark's parquet writer: int32, int64, double, float, boolean, binary, STRING, DATE,
// TIMESTAMP(MICROS, adjusted to UTC), 3-level LIST and MAP groups, nested groups.
func parquetNode(name string, t types.DataType, optional bool, rep int, next *int) (parquet.Node, *pnode, error) {
	pn := &pnode{t: t, optional: optional, leaf: -1}
	var node parquet.Node
	leaf := func(n parquet.Node) {
		node = n
		pn.leaf = *next
		pn.leaves = []int{*next}
		*next++
	}
	switch t.ID() {
	case types.StringID:
		leaf(parquet.String())
	case types.IntegerID:
		leaf(parquet.Leaf(parquet.Int32Type))
	case types.LongID:
		leaf(parquet.Leaf(parquet.Int64Type))
	case types.DoubleID:
		leaf(parquet.Leaf(parquet.DoubleType))
	case types.FloatID:
		leaf(parquet.Leaf(parquet.FloatType))
	case types.BooleanID:
		leaf(parquet.Leaf(parquet.BooleanType))
	case types.BinaryID:
		leaf(parquet.Leaf(parquet.ByteArrayType))
	case types.DateID:
		leaf(parquet.Date())
	case types.TimestampID:
		leaf(parquet.Timestamp(parquet.Microsecond))
	case types.StructID:
		st := t.(*types.StructType)
		names := make([]string, len(st.Fields))
		nodes := make([]parquet.Node, len(st.Fields))
		for i, f := range st.Fields {
			n, c, err := parquetNode(f.Name, f.DataType, true, rep, next)
			if err != nil {
				return nil, nil, err
			}
			names[i], nodes[i] = f.Name, n
			pn.children = append(pn.children, c)
			pn.leaves = append(pn.leaves, c.leaves...)
		}
		node = newOrderedGroup(names, nodes)
	case types.ArrayID:
		pn.rep = rep + 1
		en, ec, err := parquetNode("element", t.(*types.ArrayType).ElementType, true, rep+1, next)
		if err != nil {
			return nil, nil, err
		}
		pn.children = []*pnode{ec}
		pn.leaves = ec.leaves
		node = parquet.List(en)
	case types.MapID:
		mt := t.(*types.MapType)
		pn.rep = rep + 1
		kn, kc, err := parquetNode("key", mt.KeyType, false, rep+1, next)
		if err != nil {
			return nil, nil, err
		}
		vn, vc, err := parquetNode("value", mt.ValueType, true, rep+1, next)
		if err != nil {
			return nil, nil, err
		}
		pn.children = []*pnode{kc, vc}
		pn.leaves = append(append([]int{}, kc.leaves...), vc.leaves...)
		node = parquet.Map(kn, vn)
	default:
		return nil, nil, fmt.Errorf("field %q: type %s", name, t.SimpleString())
	}
	if optional {
		node = parquet.Optional(node)
	} else {
		node = parquet.Required(node)
	}
	return node, pn, nil
}

// parquetWriter writes a batch as one parquet file.
type parquetWriter struct {
	schema   *types.StructType
	pschema  *parquet.Schema
	nodes    []*pnode
	codec    compress.Codec
	metadata string // Spark's row metadata: the schema as JSON
	cols     [][]parquet.Value
	// rowGroupRows bounds a row group, so a huge batch is not held in memory whole.
	rowGroupRows int
}

// defaultRowGroupRows: about Spark's 128 MB row groups for narrow rows.
const defaultRowGroupRows = 1 << 20

// parquetCodecs maps the compression option to a codec and Spark's file-name extension.
func parquetCodec(name string) (compress.Codec, string, error) {
	switch strings.ToLower(name) {
	case "", "snappy":
		return &parquet.Snappy, ".snappy", nil
	case "none", "uncompressed":
		return &parquet.Uncompressed, "", nil
	case "gzip":
		return &parquet.Gzip, ".gz", nil
	case "zstd":
		return &parquet.Zstd, ".zstd", nil
	case "lz4", "lz4_raw":
		return &parquet.Lz4Raw, ".lz4raw", nil
	}
	return nil, "", fmt.Errorf("Codec [%s] is not available. Available codecs are brotli, uncompressed, lz4, lz4_raw, snappy, none, zstd, gzip, lzo.", name)
}

func newParquetWriter(schema *types.StructType, codec compress.Codec) (*parquetWriter, error) {
	w := &parquetWriter{schema: schema, codec: codec, rowGroupRows: defaultRowGroupRows}
	names := make([]string, len(schema.Fields))
	nodes := make([]parquet.Node, len(schema.Fields))
	next := 0
	for i, f := range schema.Fields {
		n, pn, err := parquetNode(f.Name, f.DataType, true, 0, &next)
		if err != nil {
			return nil, unsupportedType("Parquet", f)
		}
		names[i], nodes[i] = f.Name, n
		w.nodes = append(w.nodes, pn)
	}
	w.pschema = parquet.NewSchema("spark_schema", newOrderedGroup(names, nodes))
	w.cols = make([][]parquet.Value, next)
	meta, err := json.Marshal(sparkSchemaJSON(schema))
	if err != nil {
		return nil, err
	}
	w.metadata = string(meta)
	return w, nil
}

// parquetChunkRows is how many rows are shredded before they are handed to the writer.
const parquetChunkRows = 4096

func (w *parquetWriter) writeBatch(out io.Writer, b *batch.Batch) error {
	pw := parquet.NewWriter(out, w.pschema, parquet.Compression(w.codec),
		parquet.KeyValueMetadata("org.apache.spark.version", "3.5.0"),
		parquet.KeyValueMetadata("org.apache.spark.sql.parquet.row.metadata", w.metadata),
		parquet.CreatedBy("runnel", "1", ""))
	inGroup := 0
	for lo := 0; lo < b.N; lo += parquetChunkRows {
		hi := min(lo+parquetChunkRows, b.N)
		if inGroup >= w.rowGroupRows {
			if err := pw.Flush(); err != nil {
				return fmt.Errorf("writing parquet row group: %w", err)
			}
			inGroup = 0
		}
		inGroup += hi - lo
		columns := pw.ColumnWriters()
		for c := range w.cols {
			w.cols[c] = w.cols[c][:0]
		}
		for f, pn := range w.nodes {
			w.shredVector(pn, b.Cols[f], lo, hi)
		}
		for c, vals := range w.cols {
			if _, err := columns[c].WriteRowValues(vals); err != nil {
				return fmt.Errorf("writing parquet column %d: %w", c, err)
			}
		}
	}
	clear(w.cols) // values may point into the batch's strings
	return pw.Close()
}

// stringBytes views a string's bytes without copying; the column writer copies values
// into its pages before WriteRowValues returns.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// shredVector writes rows [lo, hi) of a top-level column, reading typed slices directly
// for atomic types.
func (w *parquetWriter) shredVector(pn *pnode, v *batch.Vector, lo, hi int) {
	if pn.leaf < 0 {
		for i := lo; i < hi; i++ {
			w.shred(pn, v.Get(i), 0, 0)
		}
		return
	}
	c := pn.leaf
	col := w.cols[c]
	null := parquet.NullValue().Level(0, 0, c)
	// One loop per type keeps the type switch out of the per-row work.
	switch pn.t.ID() {
	case types.StringID:
		for i := lo; i < hi; i++ {
			col = append(col, leafValue(parquet.ByteArrayValue(stringBytes(v.Str[i])), v, i, c, null))
		}
	case types.IntegerID, types.DateID:
		for i := lo; i < hi; i++ {
			col = append(col, leafValue(parquet.Int32Value(v.I32[i]), v, i, c, null))
		}
	case types.LongID, types.TimestampID:
		for i := lo; i < hi; i++ {
			col = append(col, leafValue(parquet.Int64Value(v.I64[i]), v, i, c, null))
		}
	case types.DoubleID:
		for i := lo; i < hi; i++ {
			col = append(col, leafValue(parquet.DoubleValue(v.F64[i]), v, i, c, null))
		}
	case types.FloatID:
		for i := lo; i < hi; i++ {
			col = append(col, leafValue(parquet.FloatValue(v.F32[i]), v, i, c, null))
		}
	case types.BooleanID:
		for i := lo; i < hi; i++ {
			col = append(col, leafValue(parquet.BooleanValue(v.Bool[i]), v, i, c, null))
		}
	case types.BinaryID:
		for i := lo; i < hi; i++ {
			col = append(col, leafValue(parquet.ByteArrayValue(v.Bytes[i]), v, i, c, null))
		}
	}
	w.cols[c] = col
}

// leafValue places a top-level value in column c (definition level 1), or null.
func leafValue(val parquet.Value, v *batch.Vector, i, c int, null parquet.Value) parquet.Value {
	if v.Nulls != nil && v.Nulls[i] {
		return null
	}
	val.SetDefinitionLevel(1)
	val.SetColumnIndex(c)
	return val
}

// shred writes one value of pn with repetition level r, its parent defined up to d.
func (w *parquetWriter) shred(pn *pnode, x any, r, d int) {
	if x == nil {
		w.nulls(pn, r, d)
		return
	}
	if pn.optional {
		d++
	}
	switch pn.t.ID() {
	case types.StructID:
		vals := x.([]any)
		for f, c := range pn.children {
			w.shred(c, vals[f], r, d)
		}
	case types.ArrayID:
		elems := x.([]any)
		if len(elems) == 0 {
			w.nulls(pn.children[0], r, d)
			return
		}
		for k, e := range elems {
			rk := r
			if k > 0 {
				rk = pn.rep
			}
			w.shred(pn.children[0], e, rk, d+1)
		}
	case types.MapID:
		m := x.(*batch.MapValue)
		if len(m.Keys) == 0 {
			w.nulls(pn.children[0], r, d)
			w.nulls(pn.children[1], r, d)
			return
		}
		for k := range m.Keys {
			rk := r
			if k > 0 {
				rk = pn.rep
			}
			w.shred(pn.children[0], m.Keys[k], rk, d+1)
			w.shred(pn.children[1], m.Values[k], rk, d+1)
		}
	default:
		var val parquet.Value
		switch pn.t.ID() {
		case types.StringID:
			val = parquet.ByteArrayValue(stringBytes(x.(string)))
		case types.IntegerID, types.DateID:
			val = parquet.Int32Value(x.(int32))
		case types.LongID, types.TimestampID:
			val = parquet.Int64Value(x.(int64))
		case types.DoubleID:
			val = parquet.DoubleValue(x.(float64))
		case types.FloatID:
			val = parquet.FloatValue(x.(float32))
		case types.BooleanID:
			val = parquet.BooleanValue(x.(bool))
		case types.BinaryID:
			val = parquet.ByteArrayValue(x.([]byte))
		}
		w.cols[pn.leaf] = append(w.cols[pn.leaf], val.Level(r, d, pn.leaf))
	}
}

// nulls writes a null at definition level d to every leaf under pn.
func (w *parquetWriter) nulls(pn *pnode, r, d int) {
	for _, c := range pn.leaves {
		w.cols[c] = append(w.cols[c], parquet.NullValue().Level(r, d, c))
	}
}

// sparkSchemaJSON is a StructType in Spark's JSON form (DataType.json), which Spark keeps
// in the parquet footer to restore the exact types.
func sparkSchemaJSON(t types.DataType) any {
	switch x := t.(type) {
	case *types.StructType:
		fields := make([]any, len(x.Fields))
		for i, f := range x.Fields {
			fields[i] = struct {
				Name     string         `json:"name"`
				Type     any            `json:"type"`
				Nullable bool           `json:"nullable"`
				Metadata map[string]any `json:"metadata"`
			}{f.Name, sparkSchemaJSON(f.DataType), f.Nullable, map[string]any{}}
		}
		return struct {
			Type   string `json:"type"`
			Fields []any  `json:"fields"`
		}{"struct", fields}
	case *types.ArrayType:
		return struct {
			Type         string `json:"type"`
			ElementType  any    `json:"elementType"`
			ContainsNull bool   `json:"containsNull"`
		}{"array", sparkSchemaJSON(x.ElementType), x.ContainsNull}
	case *types.MapType:
		return struct {
			Type              string `json:"type"`
			KeyType           any    `json:"keyType"`
			ValueType         any    `json:"valueType"`
			ValueContainsNull bool   `json:"valueContainsNull"`
		}{"map", sparkSchemaJSON(x.KeyType), sparkSchemaJSON(x.ValueType), x.ValueContainsNull}
	}
	return t.TypeName()
}
