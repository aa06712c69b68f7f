#include "authplane/http/address_policy.hpp"

#include <gtest/gtest.h>

namespace authplane::http {
namespace {
constexpr address_policy strict{};
constexpr address_policy dev{.allow_localhost = true, .allow_private_networks = true};

TEST(AddressPolicy, GlobalAddressesAllowed) {
  EXPECT_TRUE(address_allowed("93.184.216.34", strict));
  EXPECT_TRUE(address_allowed("2606:4700::1111", strict));
}

TEST(AddressPolicy, LoopbackNeedsAllowLocalhost) {
  EXPECT_FALSE(address_allowed("127.0.0.1", strict));
  EXPECT_FALSE(address_allowed("127.255.0.9", strict));
  EXPECT_FALSE(address_allowed("::1", strict));
  EXPECT_TRUE(address_allowed("127.0.0.1", {.allow_localhost = true}));
  EXPECT_TRUE(address_allowed("::1", {.allow_localhost = true}));
  EXPECT_FALSE(address_allowed("10.0.0.1", {.allow_localhost = true}));
}

TEST(AddressPolicy, PrivateNeedsAllowPrivateNetworks) {
  for (auto ip : {"10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1", "fd00::1", "fc00::1"}) {
    EXPECT_FALSE(address_allowed(ip, strict)) << ip;
    EXPECT_TRUE(address_allowed(ip, {.allow_private_networks = true})) << ip;
  }
  EXPECT_TRUE(address_allowed("172.32.0.1", strict));  // just outside 172.16/12
}

TEST(AddressPolicy, AlwaysBlockedRanges) {
  for (auto ip : {"169.254.169.254", "0.0.0.0", "100.64.0.1", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.1",
                  "203.0.113.7", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::", "fe80::1", "2001:db8::1", "ff02::1",
                  "not-an-ip", ""}) {
    EXPECT_FALSE(address_allowed(ip, dev)) << ip;
  }
}

TEST(AddressPolicy, EmbeddedIpv4JudgedByTheIpv4) {
  EXPECT_FALSE(address_allowed("::ffff:169.254.169.254", dev));
  EXPECT_FALSE(address_allowed("::ffff:127.0.0.1", strict));
  EXPECT_TRUE(address_allowed("::ffff:127.0.0.1", dev));
  EXPECT_FALSE(address_allowed("64:ff9b::a00:1", strict));   // NAT64 of 10.0.0.1
  EXPECT_FALSE(address_allowed("2002:a9fe:a9fe::1", dev));    // 6to4 of 169.254.169.254
  EXPECT_TRUE(address_allowed("2002:5db8:d822::1", strict));  // 6to4 of 93.184.216.34
  // Teredo: server 65.54.227.120, client ~(0x3f57fefe) = 192.168.1.1 → private.
  EXPECT_FALSE(address_allowed("2001:0:4136:e378:8000:63bf:3f57:fefe", strict));
  EXPECT_TRUE(address_allowed("2001:0:4136:e378:8000:63bf:3f57:fefe", {.allow_private_networks = true}));
}

TEST(AddressPolicy, ZoneIdIgnored) {
  EXPECT_FALSE(address_allowed("fe80::1%eth0", dev));
}
}  // namespace
}  // namespace authplane::http
