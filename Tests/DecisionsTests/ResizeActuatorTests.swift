import Foundation
import Testing
@testable import Decisions

/// The shared actuator's rules on cases worked by hand: floors and limits, the 10 %
/// down-hysteresis, the 2 % up-threshold, 30 minutes between changes of a resource, and
/// memory at once after an OOM kill.
@Suite("Resize actuator")
struct ResizeActuatorTests {
    static let gib = 1_073_741_824.0
    static let none = [Double.nan, .nan]

    @Test("hysteresis: down only below 0.9 × current, up only above 1.02 × current")
    func hysteresis() {
        var a = ResizeActuator()
        let current = [1.0, 4 * Self.gib]
        // 0.95 and 1.01 are within the band: keep; 0.89 < 0.9 and 1.03 > 1.02: set.
        let keep = a.actuate(target: [0.95, 4.04 * Self.gib], current: current, limits: Self.none, now: 0, oomKilled: false)
        #expect(keep[0].isNaN && keep[1].isNaN)
        var b = ResizeActuator()
        let set = b.actuate(target: [0.89, 4.2 * Self.gib], current: current, limits: Self.none, now: 0, oomKilled: false)
        #expect(set == [0.89, 4.2 * Self.gib])
        // Exactly 0.9 × and 1.02 × are inside the band.
        for edge in [0.9, 1.02] {
            var c = ResizeActuator()
            #expect(c.actuate(target: [edge, .nan], current: current, limits: Self.none, now: 0, oomKilled: false)[0].isNaN)
        }
    }

    @Test("floors 25 mCPU / 250 MiB and the workload's limit bound every target")
    func floorsAndLimits() {
        var a = ResizeActuator()
        let r = a.actuate(target: [0.001, 1e6], current: [1.0, Self.gib], limits: [4, 8 * Self.gib], now: 0, oomKilled: false)
        #expect(r == [0.025, 250 * 1_048_576])
        var b = ResizeActuator()
        let up = b.actuate(target: [9, 20 * Self.gib], current: [1.0, Self.gib], limits: [4, 8 * Self.gib], now: 0, oomKilled: false)
        #expect(up == [4, 8 * Self.gib])
        // No allocation yet: the clipped target at once; no target: keep.
        var c = ResizeActuator()
        let first = c.actuate(target: [0.5, .nan], current: [.nan, Self.gib], limits: Self.none, now: 0, oomKilled: false)
        #expect(first[0] == 0.5 && first[1].isNaN)
    }

    @Test("30 minutes between changes of a resource, dated from the request; an OOM kill lets memory change at once")
    func minimumGap() {
        var a = ResizeActuator()
        // t = 0: both grow (requested at 0, in force from the next tick).
        #expect(a.actuate(target: [2, 2 * Self.gib], current: [1, Self.gib], limits: Self.none, now: 0, oomKilled: false) == [2, 2 * Self.gib])
        // t = 300: the engine applied them; a new target is held back (300 s < 1800 s).
        let held = a.actuate(target: [4, 4 * Self.gib], current: [2, 2 * Self.gib], limits: Self.none, now: 300, oomKilled: false)
        #expect(held[0].isNaN && held[1].isNaN)
        #expect(a.lastChangeAt == [0, 0])
        // t = 600: an OOM kill: memory may change now, CPU may not.
        let oom = a.actuate(target: [4, 4 * Self.gib], current: [2, 2 * Self.gib], limits: Self.none, now: 600, oomKilled: true)
        #expect(oom[0].isNaN && oom[1] == 4 * Self.gib)
        // t = 1800: 1800 s after the CPU request: CPU may change.
        let later = a.actuate(target: [4, 4 * Self.gib], current: [2, 4 * Self.gib], limits: Self.none, now: 1800, oomKilled: false)
        #expect(later[0] == 4 && later[1].isNaN)
        #expect(a.lastChangeAt == [0, 600])
    }

    @Test("a change the engine did not carry out does not start the wait")
    func notCarriedOut() {
        var a = ResizeActuator()
        #expect(a.actuate(target: [2, .nan], current: [1, Self.gib], limits: Self.none, now: 0, oomKilled: false)[0] == 2)
        // The allocation is still 1 at the next tick (no room): asked again at once.
        #expect(a.actuate(target: [2, .nan], current: [1, Self.gib], limits: Self.none, now: 300, oomKilled: false)[0] == 2)
        #expect(a.lastChangeAt == [nil, nil])
    }
}
