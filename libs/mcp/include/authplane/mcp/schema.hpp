// JSON Schema derivation and checked argument conversion for tool parameters, from C++ types.
//   struct point { double x; double y; std::optional<std::string> label; };
//   template <> struct mcp::describe<point> {
//     static auto fields() { return std::tuple{mcp::field("x", &point::x), mcp::field("y", &point::y),
//                                              mcp::field("label", &point::label, "optional tag")}; } };
//   boost::json::object s = mcp::schema_of<point>();  // {"type":"object","properties":{...},"required":["x","y"]}
#pragma once
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/json.hpp>

namespace authplane::mcp {

// Thrown while converting arguments; becomes JSON-RPC -32602 with this message.
struct invalid_argument : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A described struct member: name, pointer to member, optional description.
template <class S, class M>
struct field_t {
  const char* name;
  M S::*member;
  const char* description = nullptr;
};
template <class S, class M>
constexpr field_t<S, M> field(const char* name, M S::*member, const char* description = nullptr) {
  return {name, member, description};
}

// Specialize with `static auto fields()` returning a std::tuple of mcp::field(...) to make a
// struct usable as a tool parameter (a JSON object with those properties).
template <class T>
struct describe;

namespace detail {
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
concept described = requires { describe<T>::fields(); };
template <class T>
concept integral_param = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>;

std::string json_type_name(const boost::json::value& v);
[[noreturn]] void type_mismatch(std::string_view path, std::string_view expected, const boost::json::value& v);
}  // namespace detail

template <class T>
inline constexpr bool is_optional_param = detail::is_optional<std::remove_cvref_t<T>>::value;

// JSON Schema of one parameter type (std::optional<T> gives T's schema; optionality is expressed
// by the enclosing object's "required").
template <class T>
boost::json::object schema_of() {
  using U = std::remove_cvref_t<T>;
  if constexpr (detail::is_optional<U>::value) {
    return schema_of<typename U::value_type>();
  } else if constexpr (std::same_as<U, std::string>) {
    return {{"type", "string"}};
  } else if constexpr (std::same_as<U, bool>) {
    return {{"type", "boolean"}};
  } else if constexpr (detail::integral_param<U>) {
    return {{"type", "integer"}};
  } else if constexpr (std::floating_point<U>) {
    return {{"type", "number"}};
  } else if constexpr (std::same_as<U, boost::json::value>) {
    return {};
  } else if constexpr (std::same_as<U, boost::json::object>) {
    return {{"type", "object"}};
  } else if constexpr (detail::is_vector<U>::value) {
    return {{"type", "array"}, {"items", schema_of<typename U::value_type>()}};
  } else if constexpr (detail::described<U>) {
    boost::json::object props;
    boost::json::array required;
    std::apply([&](auto... f) {
      ([&] {
        using M = std::remove_cvref_t<decltype(std::declval<U&>().*(f.member))>;
        auto s = schema_of<M>();
        if (f.description) s["description"] = f.description;
        props[f.name] = std::move(s);
        if (!detail::is_optional<M>::value) required.emplace_back(f.name);
      }(), ...);
    }, describe<U>::fields());
    boost::json::object out{{"type", "object"}, {"properties", std::move(props)}};
    if (!required.empty()) out["required"] = std::move(required);
    return out;
  } else {
    static_assert(sizeof(U) == 0, "unsupported tool parameter type: use std::string, bool, integers, "
                                  "floating point, std::optional, std::vector, boost::json::value/object "
                                  "or a struct with an mcp::describe specialization");
  }
}

// Converts a JSON value to T, checking it against schema_of<T>(). `path` names the value in
// error messages ("text", "items[2]", "point.x"). Throws mcp::invalid_argument.
template <class T>
T from_json(const boost::json::value& v, const std::string& path) {
  using U = std::remove_cvref_t<T>;
  if constexpr (detail::is_optional<U>::value) {
    if (v.is_null()) return std::nullopt;
    return from_json<typename U::value_type>(v, path);
  } else if constexpr (std::same_as<U, std::string>) {
    if (!v.is_string()) detail::type_mismatch(path, "string", v);
    return std::string(v.get_string());
  } else if constexpr (std::same_as<U, bool>) {
    if (!v.is_bool()) detail::type_mismatch(path, "boolean", v);
    return v.get_bool();
  } else if constexpr (detail::integral_param<U>) {
    std::int64_t i = 0;
    if (v.is_int64()) {
      i = v.get_int64();
    } else if (v.is_uint64()) {
      if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<U>::max()))
        throw invalid_argument("argument \"" + path + "\": integer out of range");
      return static_cast<U>(v.get_uint64());
    } else if (v.is_double() && std::isfinite(v.get_double()) && std::trunc(v.get_double()) == v.get_double() &&
               std::fabs(v.get_double()) < 9.0e15) {
      i = static_cast<std::int64_t>(v.get_double());
    } else {
      detail::type_mismatch(path, "integer", v);
    }
    if constexpr (std::is_signed_v<U>) {
      if (i < static_cast<std::int64_t>(std::numeric_limits<U>::min()) ||
          (sizeof(U) < 8 && i > static_cast<std::int64_t>(std::numeric_limits<U>::max())))
        throw invalid_argument("argument \"" + path + "\": integer out of range");
    } else {
      if (i < 0 || (sizeof(U) < 8 && static_cast<std::uint64_t>(i) > std::numeric_limits<U>::max()))
        throw invalid_argument("argument \"" + path + "\": integer out of range");
    }
    return static_cast<U>(i);
  } else if constexpr (std::floating_point<U>) {
    if (v.is_double()) return static_cast<U>(v.get_double());
    if (v.is_int64()) return static_cast<U>(v.get_int64());
    if (v.is_uint64()) return static_cast<U>(v.get_uint64());
    detail::type_mismatch(path, "number", v);
  } else if constexpr (std::same_as<U, boost::json::value>) {
    return v;
  } else if constexpr (std::same_as<U, boost::json::object>) {
    if (!v.is_object()) detail::type_mismatch(path, "object", v);
    return v.get_object();
  } else if constexpr (detail::is_vector<U>::value) {
    if (!v.is_array()) detail::type_mismatch(path, "array", v);
    U out;
    const auto& a = v.get_array();
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      out.push_back(from_json<typename U::value_type>(a[i], path + "[" + std::to_string(i) + "]"));
    return out;
  } else if constexpr (detail::described<U>) {
    if (!v.is_object()) detail::type_mismatch(path, "object", v);
    const auto& o = v.get_object();
    U out{};
    std::apply([&](auto... f) {
      ([&] {
        using M = std::remove_cvref_t<decltype(out.*(f.member))>;
        std::string sub = path.empty() ? std::string(f.name) : path + "." + f.name;
        auto it = o.find(f.name);
        if (it == o.end()) {
          if constexpr (detail::is_optional<M>::value) return;
          else throw invalid_argument("missing required argument \"" + sub + "\"");
        }
        out.*(f.member) = from_json<M>(it->value(), sub);
      }(), ...);
    }, describe<U>::fields());
    return out;
  } else {
    static_assert(sizeof(U) == 0, "unsupported tool parameter type");
  }
}
}  // namespace authplane::mcp
