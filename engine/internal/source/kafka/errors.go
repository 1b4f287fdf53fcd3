package kafka

import "strings"

// instructionFalse is Spark's INSTRUCTION_FOR_FAIL_ON_DATA_LOSS_FALSE, appended to the
// warnings logged when data loss is skipped.
const instructionFalse = "Some data may have been lost because they are not available in Kafka any more; either the\n" +
	" data was aged out by Kafka or the topic may have been deleted before all the data in the\n" +
	" topic was processed. If you want your streaming query to fail on such cases, set the source\n" +
	" option \"failOnDataLoss\" to \"true\"."

// DataLossError is Spark's KAFKA_DATA_LOSS error (failOnDataLoss=true). SubClass is e.g.
// "COULD_NOT_READ_OFFSET_RANGE", "PARTITIONS_DELETED",
// "ADDED_PARTITION_DOES_NOT_START_FROM_OFFSET_ZERO", "PARTITION_OFFSET_CHANGED".
type DataLossError struct {
	SubClass string
	Reason   string
}

// Error is the message of Spark's error class, its lines joined as Spark joins them.
func (e *DataLossError) Error() string {
	return strings.Join([]string{
		"Some data may have been lost because they are not available in Kafka any more;",
		"either the data was aged out by Kafka or the topic may have been deleted before all the data in the",
		"topic was processed.",
		"If you don't want your streaming query to fail on such cases, set the source option failOnDataLoss to false.",
		"Reason:",
	}, "\n") + " " + e.Reason
}
