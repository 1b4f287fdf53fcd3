package display_test

import (
	"fmt"

	"github.com/runnel-go/runnel/display"
	"github.com/runnel-go/runnel/engine"
)

// Outside a notebook a table is still a value with its HTML and Spark's text.
func ExampleTable() {
	spark := engine.NewSession()
	defer spark.Stop()
	students := spark.CreateDataFrame([][]any{{"LiLei", 12}, {"Lily", 15}, {"Andy", 17}}, "name", "age")
	t, err := display.Table(students, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(t.HTML())
	fmt.Print(t.Text())
	// Output:
	// <table border='1'>
	// <tr><th>name</th><th>age</th></tr>
	// <tr><td>LiLei</td><td>12</td></tr>
	// <tr><td>Lily</td><td>15</td></tr>
	// </table>
	// only showing top 2 rows
	// +-----+---+
	// | name|age|
	// +-----+---+
	// |LiLei| 12|
	// | Lily| 15|
	// +-----+---+
	// only showing top 2 rows
}
