// Test helpers: temporary directories and running a program with captured output.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tectl::test {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

struct RunOptions {
    // Variables to set (or, with std::nullopt, to remove) on top of this process's environment.
    // CI, TECTL_STATE_DIR, TECTL_EPMM_PASSWORD and NO_COLOR are removed unless given here.
    std::map<std::string, std::optional<std::string>> env;
    std::optional<std::string> stdin_data;  // nullopt: stdin is /dev/null
    std::chrono::milliseconds timeout{60000};
};

struct RunResult {
    int exit_code = -1;  // 128 + signal when killed by a signal
    std::string out;
    std::string err;
    bool timed_out = false;
    std::chrono::milliseconds elapsed{0};
};

// Runs `argv[0]` (a path) with the rest as arguments; waits, bounded by the timeout.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs the tectl binary under test with `args`, state in `state_dir`.
RunResult tectl(const std::filesystem::path& state_dir, const std::vector<std::string>& args,
                RunOptions options = {});

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

}  // namespace tectl::test
