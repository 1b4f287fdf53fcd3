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
		if f.DataType.ID() == types.IntervalID {
			return nil, fmt.Errorf("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The Parquet datasource doesn't support the column `%s` of the type \"INTERVAL\".", f.Name)
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

// pqNode is a parquet schema node prepared for record assembly (Dremel): its
// definition level (a value at a lower level means this node is null), and for lists and
// maps the repetition level of their repeated group.
type pqNode struct {
	kind      int // pqLeaf, pqStruct, pqList, pqMap
	def       int
	rep       int
	leafKind  leafKind
	leafCol   int
	firstLeaf int
	leaves    []int
	children  []*pqNode
	dt        types.DataType
}

const (
	pqLeaf = iota
	pqStruct
	pqList
	pqMap
)

func isListNode(n parquet.Node) bool {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.ListType); ok {
			return true
		}
	}
	ct := t.ConvertedType()
	return ct != nil && *ct == deprecated.List
}

func isMapNode(n parquet.Node) bool {
	t := n.Type()
	if lt := t.LogicalType(); lt != nil {
		if _, ok := lt.Value.(*format.MapType); ok {
			return true
		}
	}
	ct := t.ConvertedType()
	return ct != nil && (*ct == deprecated.Map || *ct == deprecated.MapKeyValue)
}

// buildPQ prepares node n whose parent has definition level def and repetition level
// rep; next counts leaf columns in schema order.
func buildPQ(n parquet.Node, def, rep int, next *int) (*pqNode, error) {
	if n.Repeated() {
		// A bare repeated field (the legacy 2-level list): a list that is never null,
		// whose elements are the field itself.
		elem, err := buildPQElem(n, def+1, rep+1, next)
		if err != nil {
			return nil, err
		}
		return &pqNode{kind: pqList, def: def, rep: rep + 1, children: []*pqNode{elem}, leaves: elem.leaves,
			firstLeaf: elem.firstLeaf, dt: types.NewArrayType(elem.dt)}, nil
	}
	if n.Optional() {
		def++
	}
	return buildPQElem(n, def, rep, next)
}

// buildPQElem builds n (its repetition already accounted for) at definition level def.
func buildPQElem(n parquet.Node, def, rep int, next *int) (*pqNode, error) {
	if n.Leaf() {
		kind, dt, err := classifyLeaf(n.Type())
		if err != nil {
			return nil, err
		}
		c := *next
		*next++
		return &pqNode{kind: pqLeaf, def: def, rep: rep, leafKind: kind, leafCol: c, firstLeaf: c, leaves: []int{c}, dt: dt}, nil
	}
	fields := n.Fields()
	if (isListNode(n) || isMapNode(n)) && len(fields) == 1 && fields[0].Repeated() {
		group := fields[0]
		isMap := isMapNode(n)
		var elems []parquet.Field
		if group.Leaf() {
			elems = nil
		} else {
			elems = group.Fields()
		}
		out := &pqNode{kind: pqList, def: def, rep: rep + 1}
		switch {
		case isMap && len(elems) == 2:
			out.kind = pqMap
			for _, e := range elems {
				c, err := buildPQ(e, def+1, rep+1, next)
				if err != nil {
					return nil, err
				}
				out.children = append(out.children, c)
			}
			out.dt = types.NewMapType(out.children[0].dt, out.children[1].dt)
		case !isMap && len(elems) == 1:
			c, err := buildPQ(elems[0], def+1, rep+1, next)
			if err != nil {
				return nil, err
			}
			out.children = []*pqNode{c}
			out.dt = types.NewArrayType(c.dt)
		default:
			// The repeated group itself is the element (a list of structs, legacy form).
			c, err := buildPQElem(group, def+1, rep+1, next)
			if err != nil {
				return nil, err
			}
			out.children = []*pqNode{c}
			out.dt = types.NewArrayType(c.dt)
		}
		for _, c := range out.children {
			out.leaves = append(out.leaves, c.leaves...)
		}
		out.firstLeaf = out.leaves[0]
		return out, nil
	}
	out := &pqNode{kind: pqStruct, def: def, rep: rep}
	st := types.NewStructType()
	for _, f := range fields {
		c, err := buildPQ(f, def, rep, next)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		out.children = append(out.children, c)
		out.leaves = append(out.leaves, c.leaves...)
		st.Add(f.Name(), c.dt)
	}
	if len(out.leaves) == 0 {
		return nil, errors.New("empty group")
	}
	out.firstLeaf = out.leaves[0]
	out.dt = st
	return out, nil
}

// pqFile is an open parquet file's top-level fields, prepared for reading.
type pqFile struct {
	names []string
	nodes []*pqNode
}

func preparePQ(pf *parquet.File) (*pqFile, error) {
	next := 0
	out := &pqFile{}
	for _, f := range pf.Schema().Fields() {
		n, err := buildPQ(f, 0, 0, &next)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", f.Name(), err)
		}
		out.names = append(out.names, f.Name())
		out.nodes = append(out.nodes, n)
	}
	return out, nil
}

// parquetSchema converts a file's schema into a Spark schema.
func parquetSchema(path string) (*types.StructType, error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pq, err := preparePQ(pf)
	if err != nil {
		return nil, fmt.Errorf("reading parquet file %s: %w", path, err)
	}
	st := types.NewStructType()
	for i, n := range pq.names {
		st.Add(n, pq.nodes[i].dt)
	}
	return st, nil
}

// pqCursor walks one row's values, column by column.
type pqCursor struct {
	byCol [][]parquet.Value
	pos   []int
}

func (c *pqCursor) load(row parquet.Row, ncols int) {
	for len(c.byCol) < ncols {
		c.byCol = append(c.byCol, nil)
		c.pos = append(c.pos, 0)
	}
	for i := range c.byCol {
		c.byCol[i] = c.byCol[i][:0]
		c.pos[i] = 0
	}
	for _, v := range row {
		col := v.Column()
		if col < len(c.byCol) {
			c.byCol[col] = append(c.byCol[col], v)
		}
	}
}

func (c *pqCursor) peek(col int) (parquet.Value, bool) {
	if c.pos[col] < len(c.byCol[col]) {
		return c.byCol[col][c.pos[col]], true
	}
	return parquet.Value{}, false
}

func (c *pqCursor) next(col int) (parquet.Value, bool) {
	v, ok := c.peek(col)
	if ok {
		c.pos[col]++
	}
	return v, ok
}

// skip passes over a null or empty node: one value in each of its leaves.
func (c *pqCursor) skip(n *pqNode) {
	for _, l := range n.leaves {
		c.next(l)
	}
}

// assemble reads node n's value for the current row as an internal value.
func (c *pqCursor) assemble(n *pqNode) any {
	switch n.kind {
	case pqLeaf:
		v, ok := c.next(n.leafCol)
		if !ok || v.IsNull() || v.DefinitionLevel() < n.def {
			return nil
		}
		return leafValue(n.leafKind, v)
	case pqStruct:
		v, ok := c.peek(n.firstLeaf)
		if !ok || v.DefinitionLevel() < n.def {
			c.skip(n)
			return nil
		}
		out := make([]any, len(n.children))
		for i, ch := range n.children {
			out[i] = c.assemble(ch)
		}
		return out
	}
	v, ok := c.peek(n.firstLeaf)
	if !ok || v.DefinitionLevel() < n.def {
		c.skip(n)
		return nil
	}
	var list []any
	var m *batch.MapValue
	if n.kind == pqMap {
		m = &batch.MapValue{}
	} else {
		list = []any{}
	}
	if v.DefinitionLevel() == n.def {
		// Defined but empty.
		c.skip(n)
		if m != nil {
			return m
		}
		return list
	}
	for {
		if m != nil {
			m.Keys = append(m.Keys, c.assemble(n.children[0]))
			m.Values = append(m.Values, c.assemble(n.children[1]))
		} else {
			list = append(list, c.assemble(n.children[0]))
		}
		nv, ok := c.peek(n.firstLeaf)
		if !ok || nv.RepetitionLevel() != n.rep {
			break
		}
	}
	if m != nil {
		return m
	}
	return list
}

func leafValue(kind leafKind, x parquet.Value) any {
	switch kind {
	case leafBool:
		return x.Boolean()
	case leafInt32, leafDate:
		return x.Int32()
	case leafInt64, leafTsMicros:
		return x.Int64()
	case leafTsMillis:
		return x.Int64() * 1000
	case leafTsNanos:
		return x.Int64() / 1000
	case leafInt96:
		q := x.Int96()
		nanos := int64(uint64(q[1])<<32 | uint64(q[0]))
		return (int64(q[2])-julianDayOfEpoch)*microsPerDay + nanos/1000
	case leafFloat:
		return x.Float()
	case leafDouble:
		return x.Double()
	case leafString:
		return string(x.ByteArray())
	}
	return append([]byte(nil), x.ByteArray()...)
}

type parquetCol struct {
	node *pqNode // nil when the file lacks the column
	flat bool    // a top-level leaf: the fast path
}

func (r *parquetReader) readFile(path string, batchRows int) ([]*batch.Batch, error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pq, err := preparePQ(pf)
	if err != nil {
		return nil, fmt.Errorf("reading parquet file %s: %w", path, err)
	}
	cols := make([]parquetCol, len(r.schema.Fields))
	ncols := 0
	for _, n := range pq.nodes {
		ncols += len(n.leaves)
	}
	for i, sf := range r.schema.Fields {
		match := -1
		for j, name := range pq.names {
			if name == sf.Name {
				match = j
				break
			}
		}
		if match < 0 {
			for j, name := range pq.names {
				if strings.EqualFold(name, sf.Name) {
					match = j
					break
				}
			}
		}
		if match < 0 {
			continue
		}
		n := pq.nodes[match]
		if !convertible(n.dt, sf.DataType) {
			found := n.dt.SimpleString()
			if n.kind == pqLeaf {
				found = pf.Schema().Fields()[match].Type().String()
			}
			return nil, fmt.Errorf("Parquet column cannot be converted in file %s. Column: [%s], Expected: %s, Found: %s",
				path, sf.Name, sf.DataType.SimpleString(), found)
		}
		cols[i] = parquetCol{node: n, flat: n.kind == pqLeaf}
	}
	out := &batchSink{schema: r.schema, max: batchRows}
	rows := make([]parquet.Row, 256)
	var cur pqCursor
	for _, rg := range pf.RowGroups() {
		rr := rg.Rows()
		for {
			n, err := rr.ReadRows(rows)
			for _, row := range rows[:n] {
				cur.load(row, ncols)
				b := out.batch()
				for i, pc := range cols {
					v := b.Cols[i]
					switch {
					case pc.node == nil:
						v.AppendNull()
					case pc.flat:
						x, ok := cur.next(pc.node.leafCol)
						if !ok || x.IsNull() || x.DefinitionLevel() < pc.node.def {
							v.AppendNull()
						} else {
							appendParquet(v, pc.node.leafKind, x)
						}
					default:
						v.Append(cur.assemble(pc.node))
					}
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
	switch from.ID() {
	case types.ArrayID, types.MapID, types.StructID:
		// Nested values are assembled as they are in the file.
		return types.Equal(from, to)
	}
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
