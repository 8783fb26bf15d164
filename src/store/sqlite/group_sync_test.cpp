#include "store/sqlite/group_sync.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace tb::store::sqlite {
namespace {

TEST(GroupSync, AWriterAloneSyncsOncePerCommit) {
  int syncs = 0;
  GroupSync sync([&] {
    ++syncs;
    return Ok();
  });
  for (int i = 1; i <= 3; ++i) {
    const uint64_t commit = sync.Committed();
    EXPECT_EQ(commit, static_cast<uint64_t>(i));
    ASSERT_TRUE(sync.WaitDurable(commit));
    EXPECT_EQ(syncs, i) << "each commit waits for a sync that began after it";
  }
  ASSERT_TRUE(sync.WaitDurable(2)) << "an older commit is durable already: no sync";
  EXPECT_EQ(syncs, 3);
}

// Sixteen writers, as under load: every commit is acknowledged only after a sync that
// started after it, and the syncs are shared.
TEST(GroupSync, ConcurrentCommitsShareSyncsAndEachWaitsForOneThatCoversIt) {
  std::mutex writer;           // the store's single writer
  uint64_t last_commit = 0;    // guarded by writer
  std::atomic<uint64_t> on_disk{0};  // the highest commit a finished sync covered
  GroupSync* group = nullptr;
  GroupSync sync([&] {
    uint64_t covers;
    {
      std::lock_guard lock(writer);  // what the WAL holds as the sync starts
      covers = last_commit;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    uint64_t seen = on_disk.load();
    while (seen < covers && !on_disk.compare_exchange_weak(seen, covers)) {
    }
    return Ok();
  });
  group = &sync;
  constexpr int kWriters = 16;
  constexpr int kCommitsEach = 25;
  std::atomic<int> early{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCommitsEach; ++i) {
        uint64_t commit;
        {
          std::lock_guard lock(writer);
          commit = group->Committed();
          last_commit = commit;
        }
        if (!group->WaitDurable(commit) || on_disk.load() < commit) ++early;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(early.load(), 0) << "a commit was acknowledged before a sync covered it";
  const uint64_t commits = kWriters * kCommitsEach;
  EXPECT_LT(sync.syncs(), commits / 2) << "syncs are shared between concurrent commits";
  EXPECT_GE(sync.syncs(), 1u);
}

TEST(GroupSync, AFailedSyncFailsItsCommitsAndEveryLaterOne) {
  bool fail = false;
  GroupSync sync([&] { return fail ? Status(Error::Make(ErrorCode::kIo, "fdatasync: EIO")) : Ok(); });
  ASSERT_TRUE(sync.WaitDurable(sync.Committed()));
  fail = true;
  Status failed = sync.WaitDurable(sync.Committed());
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);
  fail = false;
  EXPECT_FALSE(sync.WaitDurable(sync.Committed())) << "after a failed sync nothing is acknowledged";
}

}  // namespace
}  // namespace tb::store::sqlite
