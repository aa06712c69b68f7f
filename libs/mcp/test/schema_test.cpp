#include <gtest/gtest.h>

#include <cstdint>

#include "authplane/mcp/schema.hpp"

namespace demo {
struct point {
  double x = 0;
  double y = 0;
  std::optional<std::string> label;
};
struct shape {
  std::string name;
  std::vector<point> points;
};
}  // namespace demo

template <>
struct authplane::mcp::describe<demo::point> {
  static auto fields() {
    return std::tuple{mcp::field("x", &demo::point::x), mcp::field("y", &demo::point::y),
                      mcp::field("label", &demo::point::label, "optional tag")};
  }
};
template <>
struct authplane::mcp::describe<demo::shape> {
  static auto fields() { return std::tuple{mcp::field("name", &demo::shape::name), mcp::field("points", &demo::shape::points)}; }
};

namespace authplane::mcp {
namespace {
namespace json = boost::json;
template <class T>
std::string s() {
  return json::serialize(schema_of<T>());
}

TEST(Schema, Scalars) {
  EXPECT_EQ(s<std::string>(), R"({"type":"string"})");
  EXPECT_EQ(s<const std::string&>(), R"({"type":"string"})");
  EXPECT_EQ(s<int>(), R"({"type":"integer"})");
  EXPECT_EQ(s<std::int64_t>(), R"({"type":"integer"})");
  EXPECT_EQ(s<unsigned>(), R"({"type":"integer"})");
  EXPECT_EQ(s<double>(), R"({"type":"number"})");
  EXPECT_EQ(s<float>(), R"({"type":"number"})");
  EXPECT_EQ(s<bool>(), R"({"type":"boolean"})");
  EXPECT_EQ(s<std::optional<int>>(), R"({"type":"integer"})");
  EXPECT_EQ(s<json::value>(), R"({})");
  EXPECT_EQ(s<json::object>(), R"({"type":"object"})");
}

TEST(Schema, ArraysAndStructs) {
  EXPECT_EQ(s<std::vector<std::string>>(), R"({"type":"array","items":{"type":"string"}})");
  EXPECT_EQ(s<std::vector<std::vector<bool>>>(), R"({"type":"array","items":{"type":"array","items":{"type":"boolean"}}})");
  EXPECT_EQ(s<demo::point>(),
            R"({"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},)"
            R"("label":{"type":"string","description":"optional tag"}},"required":["x","y"]})");
  EXPECT_EQ(s<demo::shape>(),
            R"({"type":"object","properties":{"name":{"type":"string"},"points":{"type":"array","items":)"
            R"({"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},)"
            R"("label":{"type":"string","description":"optional tag"}},"required":["x","y"]}}},"required":["name","points"]})");
}

std::string error_of(auto f) {
  try {
    f();
  } catch (const invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(Schema, Conversion) {
  EXPECT_EQ(from_json<std::string>(json::value("hi"), "t"), "hi");
  EXPECT_EQ(from_json<int>(json::value(5), "n"), 5);
  EXPECT_EQ(from_json<int>(json::value(5.0), "n"), 5);
  EXPECT_EQ(from_json<double>(json::value(2), "d"), 2.0);
  EXPECT_EQ(from_json<std::optional<int>>(json::value(nullptr), "o"), std::nullopt);
  auto v = from_json<std::vector<int>>(json::parse("[1,2,3]"), "v");
  EXPECT_EQ(v, (std::vector<int>{1, 2, 3}));
  auto sh = from_json<demo::shape>(json::parse(R"({"name":"tri","points":[{"x":1,"y":2.5,"label":"a"},{"x":0,"y":0}]})"), "");
  EXPECT_EQ(sh.name, "tri");
  ASSERT_EQ(sh.points.size(), 2u);
  EXPECT_EQ(sh.points[0].y, 2.5);
  EXPECT_EQ(sh.points[0].label, "a");
  EXPECT_EQ(sh.points[1].label, std::nullopt);
}

TEST(Schema, ConversionErrors) {
  EXPECT_EQ(error_of([] { from_json<std::string>(json::value(1), "text"); }), R"(argument "text": expected string, got integer)");
  EXPECT_EQ(error_of([] { from_json<int>(json::value(1.5), "n"); }), R"(argument "n": expected integer, got number)");
  EXPECT_EQ(error_of([] { from_json<int>(json::value("1"), "n"); }), R"(argument "n": expected integer, got string)");
  EXPECT_EQ(error_of([] { from_json<std::int8_t>(json::value(300), "n"); }), R"(argument "n": integer out of range)");
  EXPECT_EQ(error_of([] { from_json<unsigned>(json::value(-1), "n"); }), R"(argument "n": integer out of range)");
  EXPECT_EQ(error_of([] { from_json<bool>(json::value(nullptr), "b"); }), R"(argument "b": expected boolean, got null)");
  EXPECT_EQ(error_of([] { from_json<std::vector<int>>(json::parse("[1,\"x\"]"), "v"); }),
            R"(argument "v[1]": expected integer, got string)");
  EXPECT_EQ(error_of([] { from_json<demo::shape>(json::parse(R"({"name":"a","points":[{"x":1}]})"), "s"); }),
            R"(missing required argument "s.points[0].y")");
  EXPECT_EQ(error_of([] { from_json<demo::point>(json::parse("[]"), "p"); }), R"(argument "p": expected object, got array)");
}
}  // namespace
}  // namespace authplane::mcp
