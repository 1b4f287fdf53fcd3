// Package engine is Runnel's streaming engine in the shape of PySpark's API: a Session
// makes DataFrames (static or streaming), DataFrames transform with Columns and SQL, and
// WriteStream starts queries that run micro-batches in the background.
package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/runnel-go/runnel/engine/internal/batch"
	"github.com/runnel-go/runnel/engine/internal/plan"
	"github.com/runnel-go/runnel/engine/internal/runtime"
	"github.com/runnel-go/runnel/engine/types"
)

// SessionBuilder configures a Session (SparkSession.builder).
type SessionBuilder struct {
	appName string
	master  string
	conf    map[string]string
}

// Builder starts building a session.
func Builder() *SessionBuilder { return &SessionBuilder{conf: map[string]string{}} }

// AppName sets spark.app.name.
func (b *SessionBuilder) AppName(name string) *SessionBuilder { b.appName = name; return b }

// Master sets spark.master ("local[4]"); the engine runs in this process either way.
func (b *SessionBuilder) Master(master string) *SessionBuilder { b.master = master; return b }

// Config sets a configuration value (stringified as Spark does).
func (b *SessionBuilder) Config(key string, value any) *SessionBuilder {
	b.conf[key] = confString(value)
	return b
}

// EnableHiveSupport is accepted for compatibility; there is no Hive catalog.
func (b *SessionBuilder) EnableHiveSupport() *SessionBuilder { return b }

func confString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case time.Duration:
		return fmt.Sprintf("%dms", x.Milliseconds())
	}
	return fmt.Sprint(v)
}

// The process's active session, as SparkSession.builder.getOrCreate() returns the same
// session until it is stopped.
var activeSession struct {
	sync.Mutex
	s *Session
}

// GetOrCreate returns the active session, applying this builder's configuration to it,
// or creates one.
func (b *SessionBuilder) GetOrCreate() *Session {
	activeSession.Lock()
	defer activeSession.Unlock()
	s := activeSession.s
	if s == nil {
		s = newSession()
		activeSession.s = s
	}
	s.mu.Lock()
	if b.appName != "" {
		s.conf["spark.app.name"] = b.appName
	}
	if b.master != "" {
		s.conf["spark.master"] = b.master
	}
	maps.Copy(s.conf, b.conf)
	s.mu.Unlock()
	return s
}

// Session is a SparkSession: configuration, temporary views and streaming queries.
type Session struct {
	mu      sync.Mutex
	conf    map[string]string
	views   map[string]plan.Node
	streams *StreamingQueryManager
}

func newSession() *Session {
	s := &Session{
		conf:  map[string]string{"spark.app.name": "runnel", "spark.master": "local[*]", "spark.sql.shuffle.partitions": "200"},
		views: map[string]plan.Node{},
	}
	s.streams = &StreamingQueryManager{session: s, m: runtime.NewManager()}
	trackSession(s)
	// A stopped session is forgotten (a registry holding every session would keep each
	// one's last query and its buffers alive for the whole process); a query started on
	// it afterwards tracks it again, synchronously, before the query runs.
	s.streams.m.AddListener(func(ev runtime.Event) {
		if ev.Kind == runtime.EventStarted {
			trackSession(s)
		}
	})
	return s
}

// NewSession returns a new, independent session (not the active one).
func NewSession() *Session { return newSession() }

// Stop stops every active query of the session and forgets its views; the next
// GetOrCreate makes a new session.
func (s *Session) Stop() {
	for _, q := range s.streams.Active() {
		q.Stop()
	}
	s.mu.Lock()
	s.views = map[string]plan.Node{}
	s.mu.Unlock()
	activeSession.Lock()
	if activeSession.s == s {
		activeSession.s = nil
	}
	activeSession.Unlock()
	untrackSession(s)
}

// RuntimeConfig is spark.conf.
type RuntimeConfig struct{ s *Session }

// Conf gives the session's configuration.
func (s *Session) Conf() *RuntimeConfig { return &RuntimeConfig{s} }

// Set sets a key.
func (c *RuntimeConfig) Set(key string, value any) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.conf[key] = confString(value)
}

// Get returns a key's value, or def (or "") when unset.
func (c *RuntimeConfig) Get(key string, def ...string) string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if v, ok := c.s.conf[key]; ok {
		return v
	}
	if len(def) > 0 {
		return def[0]
	}
	return ""
}

// Unset removes a key.
func (c *RuntimeConfig) Unset(key string) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	delete(c.s.conf, key)
}

// GetAll returns a copy of the configuration.
func (c *RuntimeConfig) GetAll() map[string]string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return maps.Clone(c.s.conf)
}

func (s *Session) confSnapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.conf)
}

// location is spark.sql.session.timeZone (the machine's zone when unset, as the JVM's).
func (s *Session) location() *time.Location {
	tz := s.Conf().Get("spark.sql.session.timeZone")
	if tz == "" {
		return time.Local
	}
	if loc, err := time.LoadLocation(tz); err == nil {
		return loc
	}
	return time.Local
}

// Streams is the session's StreamingQueryManager.
func (s *Session) Streams() *StreamingQueryManager { return s.streams }

func (s *Session) newDF(p plan.Node, err error) *DataFrame {
	if err != nil {
		return &DataFrame{session: s, err: err}
	}
	return &DataFrame{session: s, plan: p}
}

func (s *Session) registerView(name string, p plan.Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.views[strings.ToLower(name)] = p
}

func (s *Session) view(name string) (plan.Node, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.views[strings.ToLower(name)]
	return p, ok
}

// DropTempView removes a temporary view; it reports whether it existed.
func (s *Session) DropTempView(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.views[strings.ToLower(name)]
	delete(s.views, strings.ToLower(name))
	return ok
}

// Table returns the DataFrame of a temporary view.
func (s *Session) Table(name string) *DataFrame {
	p, ok := s.view(name)
	if !ok {
		return s.newDF(nil, tableNotFound(name))
	}
	return s.newDF(p, nil)
}

func tableNotFound(name string) error {
	return fmt.Errorf("[TABLE_OR_VIEW_NOT_FOUND] The table or view `%s` cannot be found. Verify the spelling and correctness of the schema and catalog.", name)
}

// CreateDataFrame makes a static DataFrame from rows of Go values. Column types are
// inferred as PySpark infers them (Go int and int64 give long, int32 integer, float64
// double, float32 float, string, bool, time.Time timestamp, []any array, map[string]any
// map, Row struct); columns are named _1, _2, ... unless names are given. A single
// argument holding a DDL schema ("name string, age int") sets names and types.
func (s *Session) CreateDataFrame(rows [][]any, columns ...string) *DataFrame {
	schema, err := s.createSchema(rows, columns)
	if err != nil {
		return s.newDF(nil, err)
	}
	return s.CreateDataFrameWithSchema(rows, schema)
}

// CreateDataFrameWithSchema makes a static DataFrame of rows with the given schema; Go
// values are converted to the schema's types (an int to long, integer or double).
func (s *Session) CreateDataFrameWithSchema(rows [][]any, schema *types.StructType) *DataFrame {
	if err := schema.Err(); err != nil {
		return s.newDF(nil, err)
	}
	b := batch.New(schema, len(rows))
	for r, row := range rows {
		if len(row) != len(schema.Fields) {
			return s.newDF(nil, fmt.Errorf("[LENGTH_SHOULD_BE_THE_SAME] row %d has %d values, expected %d", r, len(row), len(schema.Fields)))
		}
		vals := make([]any, len(row))
		for i, v := range row {
			iv, err := internalValue(v, schema.Fields[i].DataType)
			if err != nil {
				return s.newDF(nil, fmt.Errorf("CreateDataFrame: row %d, column %s: %w", r, schema.Fields[i].Name, err))
			}
			vals[i] = iv
		}
		b.AppendRow(vals)
	}
	data := []*batch.Batch{b}
	return s.newDF(&plan.Relation{Out: schema, Data: func() ([]*batch.Batch, error) { return data, nil }}, nil)
}

// Range is spark.range: a DataFrame with one long column "id" from start (inclusive) to
// end (exclusive) by step (1 when not given); with one argument it counts from 0.
func (s *Session) Range(startOrEnd int64, endAndStep ...int64) *DataFrame {
	start, end, step := int64(0), startOrEnd, int64(1)
	if len(endAndStep) > 0 {
		start, end = startOrEnd, endAndStep[0]
	}
	if len(endAndStep) > 1 {
		step = endAndStep[1]
	}
	if step == 0 {
		return s.newDF(nil, fmt.Errorf("[FAILED_FUNCTION_CALL] range: the step must not be 0"))
	}
	schema := types.NewStructType().Add("id", types.LongType, false)
	b := batch.New(schema, 0)
	for i := start; (step > 0 && i < end) || (step < 0 && i > end); i += step {
		b.Cols[0].I64 = append(b.Cols[0].I64, i)
	}
	b.N = len(b.Cols[0].I64)
	b.Cols[0].SetLen(b.N)
	data := []*batch.Batch{b}
	return s.newDF(&plan.Relation{Out: schema, Data: func() ([]*batch.Batch, error) { return data, nil }}, nil)
}

func (s *Session) createSchema(rows [][]any, columns []string) (*types.StructType, error) {
	if len(columns) == 1 && strings.ContainsAny(strings.TrimSpace(columns[0]), " :") {
		t, err := types.ParseDataType("struct<" + columns[0] + ">")
		if err != nil {
			return nil, err
		}
		return t.(*types.StructType), nil
	}
	width := len(columns)
	for _, r := range rows {
		width = max(width, len(r))
	}
	schema := types.NewStructType()
	for i := 0; i < width; i++ {
		var t types.DataType
		for _, r := range rows {
			if i >= len(r) || r[i] == nil {
				continue
			}
			vt, err := inferType(r[i])
			if err != nil {
				return nil, err
			}
			if t == nil {
				t = vt
				continue
			}
			merged, err := mergeTypes(t, vt)
			if err != nil {
				return nil, err
			}
			t = merged
		}
		if t == nil {
			if len(rows) == 0 && i < len(columns) {
				t = types.StringType
			} else {
				return nil, fmt.Errorf("[CANNOT_DETERMINE_TYPE] Some of types cannot be determined after inferring.")
			}
		}
		name := fmt.Sprintf("_%d", i+1)
		if i < len(columns) {
			name = columns[i]
		}
		schema.Add(name, t)
	}
	return schema, nil
}

func inferType(v any) (types.DataType, error) {
	switch x := v.(type) {
	case string:
		return types.StringType, nil
	case bool:
		return types.BooleanType, nil
	case int, int64, uint32, uint16, uint8:
		return types.LongType, nil
	case int32, int16, int8:
		return types.IntegerType, nil
	case float64:
		return types.DoubleType, nil
	case float32:
		return types.FloatType, nil
	case time.Time:
		return types.TimestampType, nil
	case []byte:
		return types.BinaryType, nil
	case []any:
		var et types.DataType = types.NullType
		for _, e := range x {
			if e == nil {
				continue
			}
			t, err := inferType(e)
			if err != nil {
				return nil, err
			}
			if et.ID() == types.NullID {
				et = t
			} else if et, err = mergeTypes(et, t); err != nil {
				return nil, err
			}
		}
		if et.ID() == types.NullID {
			et = types.StringType
		}
		return types.NewArrayType(et), nil
	case []string:
		return types.NewArrayType(types.StringType), nil
	case map[string]any:
		var vt types.DataType = types.StringType
		for _, e := range x {
			if e != nil {
				t, err := inferType(e)
				if err != nil {
					return nil, err
				}
				vt = t
				break
			}
		}
		return types.NewMapType(types.StringType, vt), nil
	case Row:
		return x.schema, nil
	}
	return nil, fmt.Errorf("[CANNOT_INFER_TYPE_FOR_FIELD] Unable to infer the type of a value of Go type %T", v)
}

func mergeTypes(a, b types.DataType) (types.DataType, error) {
	if types.Equal(a, b) {
		return a, nil
	}
	num := func(t types.DataType) int {
		switch t.ID() {
		case types.IntegerID:
			return 1
		case types.LongID:
			return 2
		case types.FloatID:
			return 3
		case types.DoubleID:
			return 4
		}
		return 0
	}
	if na, nb := num(a), num(b); na > 0 && nb > 0 {
		if na > nb {
			return a, nil
		}
		return b, nil
	}
	return nil, fmt.Errorf("[CANNOT_MERGE_TYPE] Can not merge type %s and %s.", a.SimpleString(), b.SimpleString())
}

// internalValue converts a Go value to the engine's internal value of type t.
func internalValue(v any, t types.DataType) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t.ID() {
	case types.StringID:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return fmt.Sprint(v), nil
	case types.IntegerID:
		switch x := v.(type) {
		case int32:
			return x, nil
		case int:
			return int32(x), nil
		case int16:
			return int32(x), nil
		case int8:
			return int32(x), nil
		case int64:
			return int32(x), nil
		}
	case types.LongID:
		switch x := v.(type) {
		case int:
			return int64(x), nil
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case int8:
			return int64(x), nil
		case uint8:
			return int64(x), nil
		case uint16:
			return int64(x), nil
		case uint32:
			return int64(x), nil
		}
	case types.DoubleID:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case int32:
			return float64(x), nil
		}
	case types.FloatID:
		switch x := v.(type) {
		case float32:
			return x, nil
		case float64:
			return float32(x), nil
		case int:
			return float32(x), nil
		case int32:
			return float32(x), nil
		case int64:
			return float32(x), nil
		}
	case types.BooleanID:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case types.TimestampID:
		if x, ok := v.(time.Time); ok {
			return x.UnixMicro(), nil
		}
	case types.DateID:
		if x, ok := v.(time.Time); ok {
			y, m, d := x.Date()
			return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400), nil
		}
	case types.BinaryID:
		if x, ok := v.([]byte); ok {
			return x, nil
		}
	case types.ArrayID:
		et := t.(*types.ArrayType).ElementType
		var src []any
		switch x := v.(type) {
		case []any:
			src = x
		case []string:
			for _, s := range x {
				src = append(src, s)
			}
		default:
			return nil, fmt.Errorf("%T is not an array", v)
		}
		out := make([]any, len(src))
		for i, e := range src {
			iv, err := internalValue(e, et)
			if err != nil {
				return nil, err
			}
			out[i] = iv
		}
		return out, nil
	case types.MapID:
		mt := t.(*types.MapType)
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%T is not a map", v)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		// Go maps have no order; sorted keys keep the DataFrame deterministic.
		sortStrings(keys)
		mv := &batch.MapValue{}
		for _, k := range keys {
			iv, err := internalValue(m[k], mt.ValueType)
			if err != nil {
				return nil, err
			}
			mv.Keys = append(mv.Keys, k)
			mv.Values = append(mv.Values, iv)
		}
		return mv, nil
	case types.StructID:
		st := t.(*types.StructType)
		var vals []any
		switch x := v.(type) {
		case Row:
			vals = x.values
		case []any:
			vals = x
		default:
			return nil, fmt.Errorf("%T is not a struct", v)
		}
		out := make([]any, len(st.Fields))
		for i, f := range st.Fields {
			if i < len(vals) {
				iv, err := internalValue(vals[i], f.DataType)
				if err != nil {
					return nil, err
				}
				out[i] = iv
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("[FIELD_DATA_TYPE_UNACCEPTABLE] %s can not accept object %v in type %T", t.SimpleString(), v, v)
}

func sortStrings(s []string) { slices.Sort(s) }
