#include "tectl/files.hpp"

#include "tectl/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tectl {
namespace fs = std::filesystem;

namespace {

Error io_error(const std::string& what, const fs::path& path) {
    return Error(ErrorKind::failure, what + " " + path.string() + ": " + std::strerror(errno),
                 "check the path and its permissions");
}

void write_all(int fd, std::string_view data, const fs::path& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw io_error("cannot write", path);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view content, unsigned mode) {
    fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    fs::path temp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        throw io_error("cannot create", temp);
    try {
        ::fchmod(fd, mode);
        write_all(fd, content, temp);
        if (::fsync(fd) != 0)
            throw io_error("cannot sync", temp);
    } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        auto error = io_error("cannot replace", path);
        ::unlink(temp.c_str());
        throw error;
    }
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

std::optional<std::string> read_file_limited(const fs::path& path, std::uintmax_t max_bytes,
                                             std::string_view what) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return std::nullopt;
        throw io_error("cannot open " + std::string(what), path);
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
        ::close(fd);
        throw Error(ErrorKind::failure,
                    std::string(what) + " " + path.string() + " is larger than " +
                        std::to_string(max_bytes / (1024 * 1024)) + " MiB; refusing to load it",
                    "check that it is the right file");
    }
    std::string out;
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ::close(fd);
            throw io_error("cannot read " + std::string(what), path);
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > max_bytes) {
            ::close(fd);
            throw Error(ErrorKind::failure,
                        std::string(what) + " " + path.string() + " is larger than " +
                            std::to_string(max_bytes / (1024 * 1024)) + " MiB; refusing to load it",
                        "check that it is the right file");
        }
    }
    ::close(fd);
    return out;
}

void append_line(const fs::path& path, std::string_view line) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw io_error("cannot open", path);
    try {
        write_all(fd, line, path);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
}

}  // namespace tectl
