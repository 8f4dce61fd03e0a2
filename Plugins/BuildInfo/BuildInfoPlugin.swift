import Foundation
import PackagePlugin

/// Bakes the checkout's git revision and dirty flag into a target at build
/// time, as `BuildInfo.swift` in the plugin's work directory. It runs before
/// every build (a prebuild command), so a commit or an edit is reflected in
/// the next binary; the file is rewritten only when its text changes, so an
/// unchanged checkout does not recompile the target. Outside a git checkout
/// (a source tarball, no `git`) the revision is `nil`, never guessed.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let outputDirectory = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        let output = outputDirectory.appendingPathComponent("BuildInfo.swift")
        return [.prebuildCommand(
            displayName: "Recording the git revision of \(context.package.displayName) for \(target.name)",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", Self.script, "build-info", context.package.directoryURL.path, output.path],
            outputFilesDirectory: outputDirectory
        )]
    }

    /// `sh -c SCRIPT build-info PACKAGE_DIR OUTPUT_FILE`. Only a checkout whose
    /// top level is the package directory counts: a tarball unpacked inside some
    /// other repository must not borrow that repository's revision.
    /// "Dirty" follows `git describe --dirty`: tracked files differ from HEAD.
    static let script = #"""
    set -u
    package="$1"; out="$2"
    g() { git -C "$package" -c safe.directory='*' --no-optional-locks "$@" 2>/dev/null; }
    revision=""; dirty=false
    top=$(g rev-parse --show-toplevel) || top=""
    if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$package" && pwd -P)" ]; then
      revision=$(g rev-parse --verify -q HEAD) || revision=""
      if [ -n "$revision" ] && [ -n "$(g status --porcelain --untracked-files=no)" ]; then dirty=true; fi
    fi
    if [ -n "$revision" ]; then literal="\"$revision\""; else literal=nil; fi
    mkdir -p "$(dirname "$out")"
    tmp="$out.tmp.$$"
    cat > "$tmp" <<SWIFT
    // Generated at build time by the BuildInfo plugin (Plugins/BuildInfo); do not edit.
    enum BuildInfo {
        /// The commit the binary was built from; nil when not built in a git checkout.
        static let gitRevision: String? = $literal
        /// Tracked files differed from that commit when the binary was built.
        static let gitDirty = $dirty
    }
    SWIFT
    if cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv -f "$tmp" "$out"; fi
    """#
}
