import Dispatch
import Synchronization

/// Runs the chunks of one network's passes on up to `threads` threads.
///
/// Bit-identical results whatever the thread count: every product entry is
/// one fma chain over k whatever chunk computes it (CKernels), how an
/// elementwise pass is cut depends only on its shape (`Chunking`), and no
/// reduction is ever split across chunks except in per-chunk partial sums
/// added in chunk order. The thread count only decides who computes which
/// chunk. (Multi-threaded OpenBLAS is not used: its results change in the
/// last bits with its thread count.)
struct Parallel: Sendable {
    let threads: Int

    static let serial = Parallel(threads: 1)

    func run(_ chunks: Int, _ body: (Int) -> Void) {
        if threads <= 1 || chunks <= 1 {
            for i in 0..<chunks { body(i) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: min(threads, chunks)) { _ in
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    if i >= chunks { return }
                    work(i)
                }
            }
        }
    }
}

/// How `rows` rows of a pass costing `work` flops (or elements) are split:
/// a function of the shape only. Chunks are multiples of `align` (8) rows; at most 8.
struct Chunking {
    let count: Int
    let size: Int

    init(rows: Int, work: Int, grain: Int, align: Int = 8) {
        let wanted = max(1, min(8, work / max(grain, 1)))
        var size = (rows + wanted - 1) / wanted
        size = max(align, (size + align - 1) / align * align)
        self.size = size
        count = max(1, (rows + size - 1) / size)
    }

    func range(_ i: Int, rows: Int) -> Range<Int> { (i * size)..<min(rows, (i + 1) * size) }

    /// GEMM split: one chunk per ~16 MFLOP.
    static func gemm(rows: Int, _ n: Int, _ k: Int, align: Int = 8) -> Chunking {
        Chunking(rows: rows, work: 2 * rows * n * k, grain: 16_000_000, align: align)
    }
    /// Elementwise split: one chunk per ~64 k elements.
    static func elementwise(rows: Int, cols: Int) -> Chunking { Chunking(rows: rows, work: rows * cols, grain: 65_536) }
}
