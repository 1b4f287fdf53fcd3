package engine_test

import (
	"fmt"

	"github.com/runnel-go/runnel/engine"
	F "github.com/runnel-go/runnel/engine/functions"
)

// A static word count: split lines into words, count them, show the most frequent.
func Example() {
	spark := engine.NewSession()
	defer spark.Stop()
	lines := spark.CreateDataFrame([][]any{{"eat pyspark in 10 days"}, {"eat pytorch in 20 days"}}, "value")
	words := lines.Select(F.Explode(F.Split(lines.Col("value"), " ")).Alias("word"))
	counts := words.GroupBy("word").Count().OrderBy(F.Col("count").Desc(), F.Col("word")).Limit(3)
	if err := counts.Show(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// +----+-----+
	// |word|count|
	// +----+-----+
	// |days|    2|
	// | eat|    2|
	// |  in|    2|
	// +----+-----+
}

// Temporary views and SQL.
func ExampleSession_SQL() {
	spark := engine.NewSession()
	defer spark.Stop()
	students := spark.CreateDataFrame([][]any{{"LiLei", 12}, {"Michael", 20}, {"Andy", 17}}).ToDF("name", "age")
	students.CreateOrReplaceTempView("students")
	spark.SQL("select name, age + 1 as next_age from students where age > 16 order by name").Show()
	// Output:
	// +-------+--------+
	// |   name|next_age|
	// +-------+--------+
	// |   Andy|      18|
	// |Michael|      21|
	// +-------+--------+
}
