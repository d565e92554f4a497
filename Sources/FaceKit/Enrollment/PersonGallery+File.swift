import Foundation
import Layers
import Support
import Tensor

extension PersonGallery {
    static let prototypesTensor = "open_set.prototypes"
    static let meanTensor = "open_set.mean"
    static let scaleTensor = "open_set.scale"
    static let knownFacesTensor = "open_set.known_faces"

    private struct Stored: Codable {
        var space: Space
        var threshold: Float
        var calibration: Calibration?
        var people: [Person]
        var removed: [String]
        /// Whose each row of `open_set.known_faces` is (absent in galleries written before it).
        var knownFaceNames: [String]?
    }

    /// The gallery stored in a model file, or nil when the model has none (trained before
    /// galleries existed: the person task then has no unknown answer).
    public init?(file: WeightFile) throws {
        guard let object = file.metadata[PersonGallery.metadataKey] else { return nil }
        func bad(_ reason: String) -> FileError { FileError(.badData, path: file.path, "open-set gallery: \(reason)") }
        let stored: Stored
        do {
            let json = try JSONSerialization.data(withJSONObject: object)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            stored = try decoder.decode(Stored.self, from: json)
        } catch { throw bad("malformed description: \(error)") }
        let mean = try file.tensor(PersonGallery.meanTensor)
        guard mean.shape.count == 1, mean.shape[0] > 0 else { throw bad("mean has shape \(mean.shape)") }
        let dim = mean.shape[0]
        let protos = try file.tensor(PersonGallery.prototypesTensor, shape: [stored.people.count, dim])
        // Galleries written before the within-person scaling have none: no scaling.
        let scale = file.entries[PersonGallery.scaleTensor] == nil ? [Float](repeating: 1, count: dim)
            : try file.tensor(PersonGallery.scaleTensor, shape: [dim]).scalars
        self.init(space: stored.space, threshold: stored.threshold, calibration: stored.calibration, people: stored.people,
                  prototypes: (0..<stored.people.count).map { Array(protos.scalars[($0 * dim)..<(($0 + 1) * dim)]) },
                  mean: mean.scalars, scale: scale, removed: stored.removed)
        if let names = stored.knownFaceNames, !names.isEmpty {
            let faces = try file.tensor(PersonGallery.knownFacesTensor, shape: [names.count, dim])
            knownFaces = names.indices.map { Array(faces.scalars[($0 * dim)..<(($0 + 1) * dim)]) }
            knownFaceNames = names
        }
    }

    /// The gallery stored in the model file at `path` (nil when it has none).
    public init?(modelPath: String) throws { try self.init(file: WeightFile(path: modelPath)) }

    /// Rewrites the model file at `path` with this gallery (replacing any stored one), keeping
    /// every other tensor and metadata entry as it was. Atomic: readers see the old or the new file.
    public func save(intoModel path: String) throws {
        let file = try WeightFile(path: path)
        var tensors = try file.names.filter { !$0.hasPrefix("open_set.") }.map { ($0, try file.tensor($0)) }
        tensors.append((PersonGallery.prototypesTensor, Tensor(shape: [people.count, dimension], scalars: prototypes.flatMap { $0 })))
        tensors.append((PersonGallery.meanTensor, Tensor(shape: [dimension], scalars: mean)))
        tensors.append((PersonGallery.scaleTensor, Tensor(shape: [dimension], scalars: scale)))
        if !knownFaces.isEmpty {
            tensors.append((PersonGallery.knownFacesTensor, Tensor(shape: [knownFaces.count, dimension], scalars: knownFaces.flatMap { $0 })))
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let json = try encoder.encode(Stored(space: space, threshold: threshold, calibration: calibration, people: people, removed: removed,
                                                  knownFaceNames: knownFaceNames))
        var metadata = file.metadata
        metadata[PersonGallery.metadataKey] = try JSONSerialization.jsonObject(with: json)
        try WeightFile.write(path: path, tensors: tensors, metadata: metadata)
    }
}
