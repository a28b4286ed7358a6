/// The protocol's bodies and the trace-event type are the agent's API as much as the
/// scorer's: whoever builds a batch or reads a command through `Agent` sees them.
@_exported import Wire
