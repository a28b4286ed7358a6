import Foundation

/// A bounded blocking FIFO between exactly one producer thread and one consumer thread.
/// `put` blocks while full, `take` while empty; `cancel` wakes both and makes further
/// `put`s throw, so a consumer that stopped early never leaves the producer blocked.
final class MessageQueue<Element: Sendable>: @unchecked Sendable {
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var cancelled = false

    init(capacity: Int) { self.capacity = capacity }

    func put(_ item: Element) throws {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        items.append(item)
        condition.broadcast()
    }

    /// The next element, or nil once cancelled.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !cancelled { condition.wait() }
        if cancelled && head == items.count { return nil }
        let item = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
