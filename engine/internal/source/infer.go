package source

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runnel-go/runnel/engine/types"
)

// inferCSV infers a CSV schema the way Spark's CSVInferSchema does: column names from the
// header (or _c0, _c1, ...); with inferSchema each column's type is the widest of
// integer, long, double, date, timestamp, boolean that fits every non-null value, else
// string; without inferSchema every column is a string.
func inferCSV(files []fileInfo, o options, loc *time.Location) (*types.StructType, error) {
	cfg, err := newCSVConfig(o)
	if err != nil {
		return nil, err
	}
	infer, err := o.boolean("inferSchema", false)
	if err != nil {
		return nil, err
	}
	tp, err := newTimeParser(loc, o.str("timestampFormat", ""), o.str("dateFormat", ""))
	if err != nil {
		return nil, err
	}
	_, explicitDate := o.get("dateFormat")
	preferDate, err := o.boolean("preferDate", true)
	if err != nil {
		return nil, err
	}
	tok := tokenizer{csvConfig: cfg}
	var names []string
	var kinds []types.DataType
	haveFirst := false
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f.path, err)
		}
		s := string(data)
		firstInFile := true
		for i := 0; i < len(s); {
			end, _, ok := tok.next(s, i)
			i = end
			if !ok {
				continue
			}
			if !haveFirst {
				haveFirst = true
				n := len(tok.fields)
				names = make([]string, n)
				kinds = make([]types.DataType, n)
				for k := range kinds {
					kinds[k] = types.NullType
				}
				if cfg.header {
					for k, fl := range tok.fields {
						names[k] = fl.s
					}
				}
			}
			if firstInFile && cfg.header {
				firstInFile = false
				continue
			}
			firstInFile = false
			if !infer {
				continue
			}
			for k := 0; k < len(kinds) && k < len(tok.fields); k++ {
				fl := tok.fields[k]
				if fl.s == "" || fl.s == cfg.nullValue {
					continue
				}
				t := inferCSVField(kinds[k], fl.s, tp, cfg, explicitDate, preferDate)
				kinds[k] = widerCSV(kinds[k], t)
			}
		}
	}
	st := types.NewStructType()
	seen := map[string]int{}
	for _, n := range names {
		seen[strings.ToLower(n)]++
	}
	for k := range names {
		name := names[k]
		switch {
		case !cfg.header || name == "" || name == cfg.nullValue:
			name = "_c" + strconv.Itoa(k)
		case seen[strings.ToLower(name)] > 1:
			// Spark makes duplicate header names unique by appending the position.
			name += strconv.Itoa(k)
		}
		t := kinds[k]
		if !infer || t.ID() == types.NullID {
			t = types.StringType
		}
		st.Add(name, t)
	}
	return st, nil
}

// inferCSVField is Spark's inferField: starting from the type so far, the first type in
// the chain int -> long -> double -> date -> timestamp -> boolean -> string that parses.
func inferCSVField(sofar types.DataType, s string, tp *timeParser, cfg *csvConfig, explicitDate, preferDate bool) types.DataType {
	isInt := func() bool { _, ok := parseInt32(s); return ok }
	isLong := func() bool { _, ok := parseInt64(s); return ok }
	isDouble := func() bool {
		if s == cfg.nanValue || s == cfg.posInf || s == cfg.negInf {
			return true
		}
		_, ok := parseJavaDouble(s, 64)
		return ok
	}
	isDate := func() bool {
		if !preferDate {
			return false
		}
		if explicitDate {
			_, ok := tp.date(s)
			return ok
		}
		return strictDate(s)
	}
	isTs := func() bool { _, ok := tp.timestamp(s); return ok }
	isBool := func() bool { return strings.EqualFold(s, "true") || strings.EqualFold(s, "false") }
	// The chain, from the step sofar sits at.
	steps := []struct {
		t  types.DataType
		ok func() bool
	}{
		{types.IntegerType, isInt},
		{types.LongType, isLong},
		{types.DoubleType, isDouble},
		{types.DateType, isDate},
		{types.TimestampType, isTs},
		{types.BooleanType, isBool},
	}
	from := 0
	switch sofar.ID() {
	case types.LongID:
		from = 1
	case types.DoubleID:
		from = 2
	case types.DateID:
		from = 3
	case types.TimestampID:
		from = 4
	case types.BooleanID:
		from = 5
	case types.StringID:
		return types.StringType
	}
	for _, st := range steps[from:] {
		if st.ok() {
			if st.t.ID() == types.LongID && !isIntegral(s) {
				continue
			}
			return st.t
		}
	}
	// Integers too large for a long are decimals in Spark; the nearest type here is double.
	if isIntegral(s) {
		return types.DoubleType
	}
	return types.StringType
}

func isIntegral(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// widerCSV merges two inferred CSV column types (Spark's compatibleType for CSV).
func widerCSV(a, b types.DataType) types.DataType {
	if a.ID() == types.NullID {
		return b
	}
	if b.ID() == types.NullID || a.ID() == b.ID() {
		return a
	}
	rank := func(t types.DataType) int {
		switch t.ID() {
		case types.IntegerID:
			return 1
		case types.LongID:
			return 2
		case types.DoubleID:
			return 3
		}
		return 0
	}
	if ra, rb := rank(a), rank(b); ra > 0 && rb > 0 {
		if ra > rb {
			return a
		}
		return b
	}
	if (a.ID() == types.DateID && b.ID() == types.TimestampID) || (a.ID() == types.TimestampID && b.ID() == types.DateID) {
		return types.TimestampType
	}
	return types.StringType
}

// inferJSON infers a JSON lines schema as Spark's JsonInferSchema does: the union of all
// records' fields, sorted by name; integers as long, other numbers as double; conflicting
// types become string; fields only ever null become string. Malformed records add the
// corrupt-record column (PERMISSIVE), are skipped (DROPMALFORMED) or fail (FAILFAST).
func inferJSON(files []fileInfo, o options) (*types.StructType, error) {
	mode, err := parseModeOf(o)
	if err != nil {
		return nil, err
	}
	multi, err := o.boolean("multiLine", false)
	if err != nil {
		return nil, err
	}
	corruptName := o.str("columnNameOfCorruptRecord", "_corrupt_record")
	var root types.DataType = types.NullType
	sawCorrupt := false
	asString, err := o.boolean("primitivesAsString", false)
	if err != nil {
		return nil, err
	}
	dropNull, err := o.boolean("dropFieldIfAllNull", false)
	if err != nil {
		return nil, err
	}
	var sc scanner
	if sc.single, err = o.boolean("allowSingleQuotes", true); err != nil {
		return nil, err
	}
	record := func(rec string) error {
		sc.reset(rec)
		sc.ws()
		t, err := inferJSONValue(&sc, asString)
		if err == nil {
			sc.ws()
			if !sc.eof() {
				err = sc.errorf("unexpected text after the record")
			}
		}
		if err == nil {
			switch t.ID() {
			case types.StructID:
			case types.ArrayID:
				if et := t.(*types.ArrayType).ElementType; et.ID() == types.StructID || et.ID() == types.NullID {
					t = et
				} else {
					err = errors.New("a record must be a JSON object")
				}
			default:
				err = errors.New("a record must be a JSON object")
			}
		}
		if err != nil {
			switch mode {
			case failFast:
				return fmt.Errorf("Malformed records are detected in schema inference. Parse Mode: FAILFAST. (%v)", err)
			case permissive:
				sawCorrupt = true
			}
			return nil
		}
		root = mergeJSON(root, t)
		return nil
	}
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f.path, err)
		}
		s := string(data)
		if multi {
			if !isBlank(s) {
				if err := record(strings.TrimSpace(s)); err != nil {
					return nil, fmt.Errorf("%s: %w", f.path, err)
				}
			}
			continue
		}
		line := 0
		for i := 0; i < len(s); {
			j := strings.IndexByte(s[i:], '\n')
			var rec string
			if j < 0 {
				rec, i = s[i:], len(s)
			} else {
				rec, i = s[i:i+j], i+j+1
			}
			line++
			if isBlank(rec) {
				continue
			}
			if err := record(strings.TrimSuffix(rec, "\r")); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", f.path, line, err)
			}
		}
	}
	var st *types.StructType
	if s, ok := canonicalJSON(root, dropNull).(*types.StructType); ok {
		st = s
	} else {
		st = types.NewStructType()
	}
	if sawCorrupt && st.FieldIndex(corruptName) < 0 {
		st.Add(corruptName, types.StringType)
		sortFields(st)
	}
	return st, nil
}

func sortFields(st *types.StructType) {
	sort.SliceStable(st.Fields, func(i, j int) bool { return st.Fields[i].Name < st.Fields[j].Name })
}

// inferJSONValue infers the type of the next value; null is NullType. With
// primitivesAsString numbers and booleans are strings.
func inferJSONValue(sc *scanner, asString bool) (types.DataType, error) {
	switch sc.peek() {
	case '{':
		sc.i++
		st := types.NewStructType()
		sc.ws()
		if sc.peek() == '}' {
			sc.i++
			return st, nil
		}
		for {
			sc.ws()
			k, err := sc.str()
			if err != nil {
				return nil, err
			}
			sc.ws()
			if sc.next() != ':' {
				return nil, sc.errorf("expected ':'")
			}
			sc.ws()
			t, err := inferJSONValue(sc, asString)
			if err != nil {
				return nil, err
			}
			if i := st.FieldIndex(k); i >= 0 && st.Fields[i].Name == k {
				st.Fields[i].DataType = mergeJSON(st.Fields[i].DataType, t)
			} else {
				st.Add(k, t)
			}
			sc.ws()
			c := sc.next()
			if c == '}' {
				sortFields(st)
				return st, nil
			}
			if c != ',' {
				return nil, sc.errorf("expected ',' or '}'")
			}
		}
	case '[':
		sc.i++
		var elem types.DataType = types.NullType
		sc.ws()
		if sc.peek() == ']' {
			sc.i++
			return types.NewArrayType(elem), nil
		}
		for {
			sc.ws()
			t, err := inferJSONValue(sc, asString)
			if err != nil {
				return nil, err
			}
			elem = mergeJSON(elem, t)
			sc.ws()
			c := sc.next()
			if c == ']' {
				return types.NewArrayType(elem), nil
			}
			if c != ',' {
				return nil, sc.errorf("expected ',' or ']'")
			}
		}
	case '"', '\'':
		_, err := sc.str()
		return types.StringType, err
	case 't', 'f':
		if err := sc.skip(); err != nil {
			return nil, err
		}
		if asString {
			return types.StringType, nil
		}
		return types.BooleanType, nil
	case 'n':
		return types.NullType, sc.lit("null")
	}
	tok, isInt, err := sc.number()
	if err != nil {
		return nil, err
	}
	if asString {
		return types.StringType, nil
	}
	if isInt {
		if _, ok := parseInt64(tok); ok {
			return types.LongType, nil
		}
	}
	return types.DoubleType, nil
}

// mergeJSON is Spark's JSON compatibleType.
func mergeJSON(a, b types.DataType) types.DataType {
	switch {
	case a.ID() == types.NullID:
		return b
	case b.ID() == types.NullID:
		return a
	}
	if a.ID() == types.StructID && b.ID() == types.StructID {
		x, y := a.(*types.StructType), b.(*types.StructType)
		out := types.NewStructType()
		for _, f := range x.Fields {
			out.Add(f.Name, f.DataType)
		}
		for _, f := range y.Fields {
			found := false
			for i := range out.Fields {
				if out.Fields[i].Name == f.Name {
					out.Fields[i].DataType = mergeJSON(out.Fields[i].DataType, f.DataType)
					found = true
					break
				}
			}
			if !found {
				out.Add(f.Name, f.DataType)
			}
		}
		sortFields(out)
		return out
	}
	if a.ID() == types.ArrayID && b.ID() == types.ArrayID {
		return types.NewArrayType(mergeJSON(a.(*types.ArrayType).ElementType, b.(*types.ArrayType).ElementType))
	}
	if a.ID() == b.ID() {
		return a
	}
	if (a.ID() == types.LongID || a.ID() == types.DoubleID) && (b.ID() == types.LongID || b.ID() == types.DoubleID) {
		return types.DoubleType
	}
	return types.StringType
}

// canonicalJSON replaces never-typed (null) fields with string (or drops them with
// dropFieldIfAllNull) and drops empty structs, as Spark's canonicalizeType does.
func canonicalJSON(t types.DataType, dropNull bool) types.DataType {
	switch x := t.(type) {
	case *types.StructType:
		out := types.NewStructType()
		for _, f := range x.Fields {
			c := canonicalJSON(f.DataType, dropNull)
			if c == nil {
				continue
			}
			out.Add(f.Name, c)
		}
		if len(out.Fields) == 0 && len(x.Fields) > 0 {
			return nil
		}
		if len(x.Fields) == 0 {
			return nil
		}
		return out
	case *types.ArrayType:
		c := canonicalJSON(x.ElementType, dropNull)
		if c == nil {
			return nil
		}
		return types.NewArrayType(c)
	}
	if t.ID() == types.NullID {
		if dropNull {
			return nil
		}
		return types.StringType
	}
	return t
}
