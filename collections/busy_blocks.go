package collections

// BusyBlocks is the name of the local cache of external busy time.
const BusyBlocks = "busy_blocks"

// BusyBlocksID is the fixed id of the busy_blocks collection.
const BusyBlocksID = "sb_busy_blocks"

// Fields of the busy_blocks collection.
const (
	BusyBlocksConnection = "connection"
	BusyBlocksStart      = "start"
	BusyBlocksEnd        = "end"
	BusyBlocksSourceID   = "source_id"
)
