/// What this binary is: the release version, and the git revision it was
/// built from (baked in at build time by the BuildInfo plugin, never read
/// from the environment at run time).
enum ToolVersion {
    static let string = "0.1.0"

    /// The commit, with `-dirty` appended when tracked files differed from it
    /// (the `git describe --dirty` convention); nil outside a git checkout.
    static let gitRevision: String? = BuildInfo.gitRevision.map { BuildInfo.gitDirty ? $0 + "-dirty" : $0 }

    /// `--version` and the worker's build string: "0.1.0 (git 1d1597b…, dirty)".
    static var description: String {
        guard let revision = BuildInfo.gitRevision else { return "\(string) (git revision unknown)" }
        return "\(string) (git \(revision)\(BuildInfo.gitDirty ? ", dirty" : ""))"
    }
}
