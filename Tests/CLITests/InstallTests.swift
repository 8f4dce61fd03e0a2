import Foundation
import Testing

/// Runs any program (make, bash, groff, git) and captures its output.
enum Shell {
    /// The package root: tests are in Tests/CLITests/.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The tool as the shell would find it.
    static func which(_ tool: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return (path + ["/usr/local/bin", "/usr/bin", "/bin"]).map { "\($0)/\(tool)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ tool: String, _ arguments: [String], in directory: URL = packageRoot,
                     environment: [String: String] = [:]) throws -> CLI.Output {
        guard let executable = tool.hasPrefix("/") ? tool : which(tool) else {
            return CLI.Output(status: 127, stdout: "", stderr: "\(tool): not installed")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = directory
        // A `make` under test must not inherit the flags of the `make test` that started the tests.
        let fresh = ["MAKEFLAGS": "", "MAKELEVEL": "", "MFLAGS": ""]
        p.environment = ProcessInfo.processInfo.environment.merging(fresh.merging(environment) { _, new in new }) { _, new in new }
        // stderr to a file, so a chatty child never blocks on a full pipe while stdout is read.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("oversweep-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errPath) }
        let err = try FileHandle(forWritingTo: errPath)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try err.close()
        return CLI.Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                          stderr: (try? String(contentsOf: errPath, encoding: .utf8)) ?? "")
    }
}

/// `make install` as a packager runs it (into a DESTDIR), and what it installs.
///
/// `swift test` holds SwiftPM's lock on .build, so a test cannot run the
/// building half of `make install` (`swift build -c release`, the
/// generate-manual plugin): `make test` generates the page before the tests,
/// and this suite runs `make install-files` — the recipe `make install` runs
/// once those are built — with the debug binary, plus `make -n install` to
/// check that the real target builds and then runs that same recipe.
@Suite struct InstallTests {
    static let installed = [
        "bin/oversweep", "share/man/man1/oversweep.1", "share/bash-completion/completions/oversweep",
        "share/zsh/site-functions/_oversweep", "share/fish/vendor_completions.d/oversweep.fish",
    ]
    static let manPage = Shell.packageRoot.appendingPathComponent(".build/man/oversweep.1")

    /// Subcommand names as `oversweep --help` lists them.
    static func subcommands() throws -> [String] {
        let help = try CLI.run(["--help"]).stdout
        guard let section = help.range(of: "SUBCOMMANDS:") else { return [] }
        // "  name   abstract" lines up to the blank line that ends the section.
        let lines = help[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        return lines.prefix { !$0.isEmpty }.compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { return nil }
            return String(word)
        }
    }

    @Test func installPutsEveryFileInPlaceAndUninstallRemovesThem() throws {
        guard FileManager.default.fileExists(atPath: Self.manPage.path) else {
            Issue.record("\(Self.manPage.path) is not generated: run `make manual MANUAL_CONFIG=debug` (make test does)")
            return
        }
        let dest = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dest) }
        let prefix = "/opt/sweep"
        let root = dest.path + prefix
        let install = try Shell.run("make", ["--no-print-directory", "install-files", "DESTDIR=\(dest.path)",
                                             "PREFIX=\(prefix)", "BIN=\(CLI.binary.path)"])
        #expect(install.status == 0, "make install-files: \(install.stdout)\(install.stderr)")
        for file in Self.installed {
            #expect(FileManager.default.fileExists(atPath: "\(root)/\(file)"), "missing \(root)/\(file)")
        }

        // The installed binary is the built one and runs.
        let version = try Shell.run("\(root)/bin/oversweep", ["--version"])
        let built = try CLI.run(["--version"]).stdout
        #expect(version.status == 0 && version.stdout == built)

        try checkManPage("\(root)/share/man/man1/oversweep.1")
        try checkCompletions(root)

        let uninstall = try Shell.run("make", ["--no-print-directory", "uninstall", "DESTDIR=\(dest.path)", "PREFIX=\(prefix)"])
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        for file in Self.installed {
            #expect(!FileManager.default.fileExists(atPath: "\(root)/\(file)"), "left behind: \(file)")
        }
    }

    /// Generated from the command definitions: every subcommand and the newest
    /// options are in it; it renders without a single groff warning.
    func checkManPage(_ path: String) throws {
        let source = try String(contentsOfFile: path, encoding: .utf8)
        #expect(source.hasPrefix(#".\" "Generated by swift-argument-parser""#))
        #expect(source.contains(".Dt OVERSWEEP 1"))
        let names = try Self.subcommands()
        #expect(names.count >= 10 && names.contains("export"), "subcommands from --help: \(names)")
        for name in names { #expect(source.contains(".It Em \(name)\n"), "no entry for \(name)") }
        #expect(source.contains("curves"))

        // groff comes with man-db (make test-deps installs groff-base).
        let groff = try Shell.run("groff", ["-mandoc", "-Tutf8", "-ww", "-z", path])
        #expect(groff.status == 0 && groff.stderr.isEmpty, "groff: \(groff.stderr)")
        if Shell.which("man") != nil {
            let man = try Shell.run("man", ["-l", path], environment: ["MANWIDTH": "100", "MANPAGER": "cat", "PAGER": "cat"])
            #expect(man.status == 0, "man -l: \(man.stderr)")
            #expect(man.stdout.contains("OVERSWEEP(1)") && man.stdout.contains("--curves"), "\(man.stdout.prefix(500))")
        } else {
            print("skipped man -l: man not installed (groff rendered the page)")
        }
    }

    /// bash sources the script and completes subcommands and options through
    /// it; zsh and fish parse theirs where installed.
    func checkCompletions(_ root: String) throws {
        let bash = "\(root)/share/bash-completion/completions/oversweep"
        let script = #"""
            source "$1" || exit 1
            complete -p oversweep || exit 1
            complete_line() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$1 "
              [[ "$1" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
              COMPREPLY=(); _oversweep oversweep "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
              echo "$1 => ${COMPREPLY[*]}"; }
            complete_line "oversweep exp"
            complete_line "oversweep export results.jsonl --cu"
            """#
        let r = try Shell.run("bash", ["-c", script, "bash", bash])
        #expect(r.status == 0 && r.stderr.isEmpty, "bash: \(r.stderr)")
        #expect(r.stdout.contains("-F _oversweep oversweep"), "\(r.stdout)")
        #expect(r.stdout.contains("oversweep exp => export"), "\(r.stdout)")
        #expect(r.stdout.contains("--cu => --curves"), "\(r.stdout)")

        let zsh = try String(contentsOfFile: "\(root)/share/zsh/site-functions/_oversweep", encoding: .utf8)
        #expect(zsh.hasPrefix("#compdef oversweep") && zsh.contains("--curves"))
        let fish = try String(contentsOfFile: "\(root)/share/fish/vendor_completions.d/oversweep.fish", encoding: .utf8)
        #expect(fish.contains("complete -c 'oversweep'") || fish.contains("complete -c oversweep"), "\(fish.prefix(300))")
        for (shell, file) in [("zsh", "share/zsh/site-functions/_oversweep"), ("fish", "share/fish/vendor_completions.d/oversweep.fish")] {
            guard Shell.which(shell) != nil else { print("skipped \(shell) -n: \(shell) not installed"); continue }
            let parse = try Shell.run(shell, ["-n", "\(root)/\(file)"])
            #expect(parse.status == 0, "\(shell) -n \(file): \(parse.stderr)")
        }
    }

    /// The real target: builds the release binary and the page, then runs the
    /// recipe tested above, into $(DESTDIR)$(PREFIX) with PREFIX /usr/local.
    @Test func makeInstallBuildsThenInstallsUnderDestdirAndPrefix() throws {
        let plan = try Shell.run("make", ["-n", "--no-print-directory", "install", "DESTDIR=/stage"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let lines = plan.stdout.split(separator: "\n").map(String.init)
        func index(_ fragment: String) -> Int? { lines.firstIndex { $0.contains(fragment) } }
        let build = index("build -c release --product oversweep")
        let manual = index("generate-manual --configuration release")
        let binary = index("install -m 755 .build/release/oversweep /stage/usr/local/bin/oversweep")
        #expect(build != nil && manual != nil && binary != nil, "\(plan.stdout)")
        if let build, let manual, let binary { #expect(build < manual && manual < binary) }
        #expect(plan.stdout.contains("/stage/usr/local/share/man/man1/oversweep.1"))
    }
}

/// The version and git revision are baked in when the binary is built.
@Suite struct BuildRevisionTests {
    /// HEAD and the dirty flag of the checkout, or nil outside one.
    static func checkout() throws -> (revision: String, dirty: Bool)? {
        let top = try Shell.run("git", ["rev-parse", "--show-toplevel"])
        guard top.status == 0,
              URL(fileURLWithPath: top.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).resolvingSymlinksInPath().path
                == Shell.packageRoot.resolvingSymlinksInPath().path else { return nil }
        let head = try Shell.run("git", ["rev-parse", "HEAD"])
        let status = try Shell.run("git", ["status", "--porcelain", "--untracked-files=no"])
        guard head.status == 0, status.status == 0 else { return nil }
        return (head.stdout.trimmingCharacters(in: .whitespacesAndNewlines), !status.stdout.isEmpty)
    }

    @Test func versionNamesTheCommitTheBinaryWasBuiltFrom() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        let line = version.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let checkout = try Self.checkout() else {
            #expect(line.hasSuffix("(git revision unknown)"), "\(line)")
            return print("not a git checkout: checked the honest 'unknown'")
        }
        #expect(line.firstMatch(of: #/^\d+\.\d+\.\d+ \(git [0-9a-f]{7,40}(, dirty)?\)$/#) != nil, "\(line)")
        #expect(line.contains("git \(checkout.revision)"), "\(line) vs HEAD \(checkout.revision)")
        #expect(line.hasSuffix(", dirty)") == checkout.dirty, "\(line); tree dirty: \(checkout.dirty)")
    }

    @Test func resultHeaderRecordsTheBakedInRevision() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("tiny.yaml").path
        let out = dir.appendingPathComponent("tiny.jsonl").path
        try RunSpecTests.spec(seeds: 1).write(toFile: spec, atomically: true, encoding: .utf8)
        // The variable that used to supply the revision at run time is ignored.
        let run = try Shell.run(CLI.binary.path, ["run", spec, "--workers", "1", "--out", out, "--quiet"],
                                environment: ["OVERSWEEP_GIT_REVISION": "feedface"])
        #expect(run.status == 0, "\(run.stderr)")
        let first = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").first ?? ""
        let header = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        let recorded = header?["git_revision"] as? String
        guard let checkout = try Self.checkout() else {
            #expect(header?["git_revision"] is NSNull, "\(first.prefix(300))")
            return
        }
        #expect(recorded == checkout.revision + (checkout.dirty ? "-dirty" : ""), "\(first.prefix(300))")
    }
}
