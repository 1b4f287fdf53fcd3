// Package functions is PySpark's pyspark.sql.functions for Runnel, imported as F. Each
// function builds an engine.Column; where PySpark takes "a column name or a Column", a
// string argument names a column. Other string arguments (patterns, formats, durations)
// are literals.
package functions

import (
	"github.com/runnel-go/runnel/engine"
)

type (
	// Column is engine.Column.
	Column = engine.Column
)

func c(x any) Column { return engine.ColOrName(x) }

func call(name string, cols ...any) Column {
	args := make([]any, len(cols))
	for i, x := range cols {
		args[i] = c(x)
	}
	return engine.CallFunction(name, args...)
}

// Col is a column by name ("word", "window.start").
func Col(name string) Column { return engine.Col(name) }

// Column is Col.
func ColumnOf(name string) Column { return engine.Col(name) }

// Lit is a literal value.
func Lit(v any) Column { return engine.Lit(v) }

// Expr parses a Spark SQL expression.
func Expr(sql string) Column { return engine.Expr(sql) }

// Call calls any Spark SQL function by name with Columns or literal arguments.
func Call(name string, args ...any) Column { return engine.CallFunction(name, args...) }

// Generators.
func Explode(col any) Column         { return call("explode", col) }
func ExplodeOuter(col any) Column    { return call("explode_outer", col) }
func PosExplode(col any) Column      { return call("posexplode", col) }
func PosExplodeOuter(col any) Column { return call("posexplode_outer", col) }

// Split splits a string column around matches of the regular expression pattern.
func Split(col any, pattern string, limit ...int) Column {
	if len(limit) > 0 {
		return engine.CallFunction("split", c(col), pattern, limit[0])
	}
	return engine.CallFunction("split", c(col), pattern)
}

// Window groups event times into windows of windowDuration sliding every slideDuration
// (tumbling when not given), offset by startTime: window(col, "10 minutes", "5 minutes").
func Window(timeColumn any, windowDuration string, slideAndStart ...string) Column {
	args := []any{c(timeColumn), windowDuration}
	for _, s := range slideAndStart {
		args = append(args, s)
	}
	return engine.CallFunction("window", args...)
}

// SessionWindow groups event times into sessions closed after gapDuration of inactivity.
func SessionWindow(timeColumn any, gapDuration string) Column {
	return engine.CallFunction("session_window", c(timeColumn), gapDuration)
}

// Aggregates.
func Sum(col any) Column   { return call("sum", col) }
func Count(col any) Column { return call("count", col) }
func Avg(col any) Column   { return call("avg", col) }
func Mean(col any) Column  { return call("mean", col) }
func Min(col any) Column   { return call("min", col) }
func Max(col any) Column   { return call("max", col) }
func First(col any, ignoreNulls ...bool) Column {
	if len(ignoreNulls) > 0 {
		return engine.CallFunction("first", c(col), ignoreNulls[0])
	}
	return call("first", col)
}
func Last(col any, ignoreNulls ...bool) Column {
	if len(ignoreNulls) > 0 {
		return engine.CallFunction("last", c(col), ignoreNulls[0])
	}
	return call("last", col)
}

// MaxBy is the value of col in the row with the largest ord (rows whose ord is null are
// skipped); MinBy in the row with the smallest.
func MaxBy(col, ord any) Column { return call("max_by", col, ord) }
func MinBy(col, ord any) Column { return call("min_by", col, ord) }

func CollectList(col any) Column         { return call("collect_list", col) }
func CollectSet(col any) Column          { return call("collect_set", col) }
func ApproxCountDistinct(col any) Column { return call("approx_count_distinct", col) }

// CountDistinct is count(DISTINCT cols...).
func CountDistinct(cols ...any) Column {
	args := make([]any, len(cols))
	for i, x := range cols {
		args[i] = c(x)
	}
	return engine.CallDistinct("count", args...)
}

// SumDistinct is sum(DISTINCT col).
func SumDistinct(col any) Column { return engine.CallDistinct("sum", c(col)) }

// Rand is a uniform random double in [0, 1); Randn a standard normal one.
func Rand(seed ...int64) Column {
	if len(seed) > 0 {
		return engine.CallFunction("rand", seed[0])
	}
	return engine.CallFunction("rand")
}
func Randn(seed ...int64) Column {
	if len(seed) > 0 {
		return engine.CallFunction("randn", seed[0])
	}
	return engine.CallFunction("randn")
}

// When starts CASE WHEN cond THEN value; chain .When and .Otherwise.
func When(cond Column, value any) Column { return engine.When(cond, value) }

// String functions.
func Concat(cols ...any) Column { return call("concat", cols...) }
func ConcatWs(sep string, cols ...any) Column {
	args := []any{sep}
	for _, x := range cols {
		args = append(args, c(x))
	}
	return engine.CallFunction("concat_ws", args...)
}
func Upper(col any) Column   { return call("upper", col) }
func Lower(col any) Column   { return call("lower", col) }
func Length(col any) Column  { return call("length", col) }
func Trim(col any) Column    { return call("trim", col) }
func LTrim(col any) Column   { return call("ltrim", col) }
func RTrim(col any) Column   { return call("rtrim", col) }
func Reverse(col any) Column { return call("reverse", col) }
func InitCap(col any) Column { return call("initcap", col) }
func Substring(col any, pos, length int) Column {
	return engine.CallFunction("substring", c(col), pos, length)
}
func RegexpReplace(col any, pattern, replacement string) Column {
	return engine.CallFunction("regexp_replace", c(col), pattern, replacement)
}
func RegexpExtract(col any, pattern string, idx int) Column {
	return engine.CallFunction("regexp_extract", c(col), pattern, idx)
}
func Lpad(col any, length int, pad string) Column {
	return engine.CallFunction("lpad", c(col), length, pad)
}
func Rpad(col any, length int, pad string) Column {
	return engine.CallFunction("rpad", c(col), length, pad)
}

// Null handling and conditionals.
func Coalesce(cols ...any) Column { return call("coalesce", cols...) }
func IsNull(col any) Column       { return c(col).IsNull() }
func IsNotNull(col any) Column    { return c(col).IsNotNull() }
func Greatest(cols ...any) Column { return call("greatest", cols...) }
func Least(cols ...any) Column    { return call("least", cols...) }

// Not negates a boolean column.
func Not(col any) Column { return c(col).Not() }

// Math.
func Abs(col any) Column   { return call("abs", col) }
func Sqrt(col any) Column  { return call("sqrt", col) }
func Exp(col any) Column   { return call("exp", col) }
func Log(col any) Column   { return call("ln", col) }
func Log10(col any) Column { return call("log10", col) }
func Floor(col any) Column { return call("floor", col) }
func Ceil(col any) Column  { return call("ceil", col) }
func Pow(col any, exponent any) Column {
	return engine.CallFunction("pow", c(col), engine.Lit(exponent))
}
func Round(col any, scale ...int) Column {
	if len(scale) > 0 {
		return engine.CallFunction("round", c(col), scale[0])
	}
	return engine.CallFunction("round", c(col))
}

// Dates and times.
func CurrentTimestamp() Column { return engine.CallFunction("current_timestamp") }
func CurrentDate() Column      { return engine.CallFunction("current_date") }
func ToTimestamp(col any, format ...string) Column {
	if len(format) > 0 {
		return engine.CallFunction("to_timestamp", c(col), format[0])
	}
	return engine.CallFunction("to_timestamp", c(col))
}
func ToDate(col any, format ...string) Column {
	if len(format) > 0 {
		return engine.CallFunction("to_date", c(col), format[0])
	}
	return engine.CallFunction("to_date", c(col))
}
func DateFormat(col any, format string) Column {
	return engine.CallFunction("date_format", c(col), format)
}
func UnixTimestamp(col any, format ...string) Column {
	if len(format) > 0 {
		return engine.CallFunction("unix_timestamp", c(col), format[0])
	}
	return engine.CallFunction("unix_timestamp", c(col))
}
func FromUnixtime(col any, format ...string) Column {
	if len(format) > 0 {
		return engine.CallFunction("from_unixtime", c(col), format[0])
	}
	return engine.CallFunction("from_unixtime", c(col))
}
func Year(col any) Column       { return call("year", col) }
func Month(col any) Column      { return call("month", col) }
func DayOfMonth(col any) Column { return call("dayofmonth", col) }
func Hour(col any) Column       { return call("hour", col) }
func Minute(col any) Column     { return call("minute", col) }
func Second(col any) Column     { return call("second", col) }
func DateAdd(col any, days int) Column {
	return engine.CallFunction("date_add", c(col), days)
}

// Collections and structs.
func Struct(cols ...any) Column { return call("struct", cols...) }
func Array(cols ...any) Column  { return call("array", cols...) }
func Size(col any) Column       { return call("size", col) }
func ArrayContains(col any, value any) Column {
	return engine.CallFunction("array_contains", c(col), engine.Lit(value))
}

// Sort orders.
func Asc(col string) Column  { return engine.Col(col).Asc() }
func Desc(col string) Column { return engine.Col(col).Desc() }

// Broadcast marks a DataFrame for a broadcast join; every static side is hashed once
// here, so it returns df unchanged.
func Broadcast(df *engine.DataFrame) *engine.DataFrame { return df }
