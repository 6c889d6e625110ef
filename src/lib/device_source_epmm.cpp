#include "tectl/device_source.hpp"
#include "tectl/epmm_client.hpp"

namespace tectl {

namespace {

class EpmmDeviceSource : public DeviceSource {
  public:
    explicit EpmmDeviceSource(epmm::Client& client) : client_(client) {}

    std::vector<Space> my_spaces() override {
        std::vector<Space> spaces;
        for (const auto& s : client_.my_spaces())
            spaces.push_back({s.id, s.name});
        return spaces;
    }

    DevicePageResult devices(const DevicePageRequest& request) override {
        epmm::DeviceQuery query;
        query.space = request.space;
        query.query = request.query;
        query.fields = device_fields();
        query.limit = request.limit;
        query.offset = request.offset;
        query.sort_field = "common.id";
        auto page = client_.devices(query);
        return {std::move(page.results), page.total_count, page.has_more};
    }

    std::int64_t count(std::int64_t space, const std::string& query) override {
        return client_.count(space, query);
    }

    std::int64_t requests_sent() const override { return client_.requests_sent(); }

  private:
    epmm::Client& client_;
};

class OwningEpmmDeviceSource : public EpmmDeviceSource {
  public:
    explicit OwningEpmmDeviceSource(std::unique_ptr<epmm::Client> client)
        : EpmmDeviceSource(*client), owned_(std::move(client)) {}

  private:
    std::unique_ptr<epmm::Client> owned_;
};

}  // namespace

std::unique_ptr<DeviceSource> epmm_device_source(epmm::Client& client) {
    return std::make_unique<EpmmDeviceSource>(client);
}

std::unique_ptr<DeviceSource> epmm_device_source(std::unique_ptr<epmm::Client> client) {
    return std::make_unique<OwningEpmmDeviceSource>(std::move(client));
}

}  // namespace tectl
