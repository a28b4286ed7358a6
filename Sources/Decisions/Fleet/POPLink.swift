import Store

/// The network path from one POP to another (one direction): the store's row shape is the
/// fleet's own, so the fleet file, the engine and the store share one type.
/// `bandwidthBytesPerSecond` > 0 (usable for migration traffic), `latencySeconds` ≥ 0 (one way).
package typealias POPLink = HeadroomStore.POPLinkDefinition
