import Tensor

/// Indices of a dataset's samples in three disjoint parts: `train` (fits the weights),
/// `validation` (early stopping and learning-rate decisions, carved from the training share) and
/// `test` (held out, only for the final evaluation).
public struct DataSplit: Equatable, Sendable {
    public let train: [Int]
    public let validation: [Int]
    public let test: [Int]

    /// Stratified split of `dataset` by `seed`: `testFraction` of every stratum goes to test, then
    /// `validationFraction` of what remains of every stratum to validation. Reproducible: the same
    /// data, fractions and seed give the same parts.
    public init(dataset: Dataset, testFraction: Double, validationFraction: Double, seed: UInt64) {
        let strata = DataSplit.strata(dataset)
        let (rest, test) = DataSplit.stratified(Array(dataset.samples.indices), strata: strata, fraction: testFraction, seed: seed)
        let (train, validation) = DataSplit.stratified(rest, strata: strata, fraction: validationFraction, seed: seed &+ 0x5eed)
        self.init(train: train, validation: validation, test: test)
    }

    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train; self.validation = validation; self.test = test
    }

    /// Stratum of every sample: its `person` label when it has one, else its label of the first
    /// task it is labelled for (so identity folders stratify by person and label files by their
    /// first column).
    public static func strata(_ dataset: Dataset) -> [String] {
        let person = dataset.taskIndex("person")
        return dataset.samples.map { s in
            if let p = person, s.labels[p] != Dataset.missing { return "person=\(s.labels[p])" }
            if let k = s.labels.firstIndex(where: { $0 != Dataset.missing }) { return "\(dataset.tasks[k].name)=\(s.labels[k])" }
            return ""
        }
    }

    /// Splits `indices` so that `fraction` of every stratum (rounded) goes to the second part.
    /// Both parts come back sorted.
    public static func stratified(_ indices: [Int], strata: [String], fraction: Double, seed: UInt64) -> (keep: [Int], take: [Int]) {
        precondition(fraction >= 0 && fraction < 1, "split fraction must be in [0, 1), got \(fraction)")
        var groups = [String: [Int]]()
        for i in indices { groups[strata[i], default: []].append(i) }
        var rng = SeededRandom(seed: seed)
        var keep: [Int] = [], take: [Int] = []
        for key in groups.keys.sorted() {
            var members = groups[key]!.sorted()
            for i in stride(from: members.count - 1, to: 0, by: -1) {
                members.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
            let n = Int((Double(members.count) * fraction).rounded())
            take += members.prefix(n)
            keep += members.dropFirst(n)
        }
        return (keep.sorted(), take.sorted())
    }
}
