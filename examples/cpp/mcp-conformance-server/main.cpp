// The fixture server of the official MCP conformance suite's server scenarios, written with
// authplane::mcp. Each tool, resource and prompt below is named and shaped as the scenario that
// calls it expects (see `conformance list --server` and tests/conformance/run.sh).
//
//   PORT=3001 mcp-conformance-server          # serves http://127.0.0.1:3001/mcp
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "authplane/mcp/server.hpp"

namespace mcp = authplane::mcp;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
// A 1x1 red PNG.
const std::string kPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00"
    "\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9"
    "\xfe\x92\xef\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
    69);

void put_le(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A tenth of a second of 8 kHz, 8-bit mono silence as a WAV file.
std::string silent_wav() {
  const std::uint32_t samples = 800;
  std::string w = "RIFF";
  put_le(w, 36 + samples, 4);
  w += "WAVEfmt ";
  put_le(w, 16, 4);      // fmt chunk size
  put_le(w, 1, 2);       // PCM
  put_le(w, 1, 2);       // mono
  put_le(w, 8000, 4);    // sample rate
  put_le(w, 8000, 4);    // byte rate
  put_le(w, 1, 2);       // block align
  put_le(w, 8, 2);       // bits per sample
  w += "data";
  put_le(w, samples, 4);
  w.append(samples, static_cast<char>(0x80));
  return w;
}

mcp::tool_result blocks(json::array content) {
  mcp::tool_result r;
  r.content = std::move(content);
  return r;
}

void content_tools(mcp::server& srv) {
  srv.tool("test_simple_text", "Returns simple text", [] { return std::string("This is a simple text response for testing."); });
  srv.tool("test_image_content", "Returns an image", [] { return blocks({mcp::content::image(kPng, "image/png")}); });
  srv.tool("test_audio_content", "Returns audio", [] { return blocks({mcp::content::audio(silent_wav(), "audio/wav")}); });
  srv.tool("test_embedded_resource", "Returns an embedded resource", [] {
    return blocks({mcp::content::resource_text("test://embedded-resource", "text/plain",
                                               "This is an embedded resource content.")});
  });
  srv.tool("test_multiple_content_types", "Returns text, an image and a resource", [] {
    return blocks({mcp::content::text("Multiple content types test:"), mcp::content::image(kPng, "image/png"),
                   mcp::content::resource_text("test://mixed-content-resource", "application/json",
                                               R"({"test":"data","value":123})")});
  });
  srv.tool("test_error_handling", "Always fails", []() -> std::string {
    throw mcp::tool_error("This tool intentionally returns an error for testing");
  });
}

void notifying_tools(mcp::server& srv) {
  srv.tool("test_tool_with_logging", "Logs while it runs", [](mcp::context& ctx) {
    ctx.log("info", "Tool execution started");
    std::this_thread::sleep_for(50ms);
    ctx.log("info", "Tool processing data");
    std::this_thread::sleep_for(50ms);
    ctx.log("info", "Tool execution completed");
    return std::string("Logging tool finished");
  });
  srv.tool("test_tool_with_progress", "Reports progress", [](mcp::context& ctx) {
    for (double p : {0.0, 50.0, 100.0}) {
      ctx.progress(p, 100);
      if (p < 100) std::this_thread::sleep_for(50ms);
    }
    return std::string("Progress tool finished");
  });
  // Ends the POST's event stream mid-call; the client picks the result up with GET + Last-Event-ID.
  srv.tool("test_reconnection", "Closes its stream before answering", [](mcp::context& ctx) {
    ctx.close_stream();
    std::this_thread::sleep_for(100ms);
    return std::string("Reconnection test finished");
  });
}

void client_request_tools(mcp::server& srv) {
  srv.tool("test_sampling", "Asks the client's LLM", {"prompt"}, [](mcp::context& ctx, const std::string& prompt) {
    json::object msg{{"role", "user"}, {"content", mcp::content::text(prompt)}};
    auto r = ctx.sample({{"messages", json::array{msg}}, {"maxTokens", 100}});
    const auto* c = r.if_contains("content");
    const auto* text = c && c->is_object() ? c->get_object().if_contains("text") : nullptr;
    return "LLM response: " + (text && text->is_string() ? std::string(text->get_string()) : json::serialize(r));
  });
  srv.tool("test_elicitation", "Asks the user", {"message"}, [](mcp::context& ctx, const std::string& message) {
    json::object props{{"username", {{"type", "string"}, {"description", "User's response"}}},
                       {"email", {{"type", "string"}, {"description", "User's email address"}}}};
    json::object schema{{"type", "object"}, {"properties", props}, {"required", json::array{"username", "email"}}};
    return "User response: " + json::serialize(ctx.elicit(message, schema));
  });
  srv.tool("test_elicitation_sep1034_defaults", "Elicitation with defaults", [](mcp::context& ctx) {
    json::object props{
        {"name", {{"type", "string"}, {"default", "John Doe"}}},
        {"age", {{"type", "integer"}, {"default", 30}}},
        {"score", {{"type", "number"}, {"default", 95.5}}},
        {"status", {{"type", "string"}, {"enum", {"active", "inactive", "pending"}}, {"default", "active"}}},
        {"verified", {{"type", "boolean"}, {"default", true}}}};
    auto r = ctx.elicit("Please review your details", {{"type", "object"}, {"properties", props}});
    return "Elicitation completed: " + json::serialize(r);
  });
  srv.tool("test_elicitation_sep1330_enums", "Elicitation with every enum form", [](mcp::context& ctx) {
    auto titled = [](const char* a, const char* b) {
      return json::array{{{"const", "value1"}, {"title", a}}, {{"const", "value2"}, {"title", b}}};
    };
    json::array opts{"option1", "option2", "option3"};
    json::object props{
        {"untitledSingle", {{"type", "string"}, {"enum", opts}}},
        {"titledSingle", {{"type", "string"}, {"oneOf", titled("First Option", "Second Option")}}},
        {"legacyEnum", {{"type", "string"}, {"enum", {"opt1", "opt2", "opt3"}},
                        {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
        {"untitledMulti", {{"type", "array"}, {"items", {{"type", "string"}, {"enum", opts}}}}},
        {"titledMulti", {{"type", "array"}, {"items", {{"anyOf", titled("First Choice", "Second Choice")}}}}}};
    auto r = ctx.elicit("Pick some options", {{"type", "object"}, {"properties", props}});
    return "Elicitation completed: " + json::serialize(r);
  });
}

void schema_tool(mcp::server& srv) {
  json::object address{{"type", "object"},
                       {"properties", {{"street", {{"type", "string"}}}, {"city", {{"type", "string"}}}}}};
  json::object schema{{"$schema", "https://json-schema.org/draft/2020-12/schema"},
                      {"type", "object"},
                      {"$defs", {{"address", address}}},
                      {"properties", {{"name", {{"type", "string"}}}, {"address", {{"$ref", "#/$defs/address"}}}}},
                      {"additionalProperties", false}};
  srv.raw_tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", schema,
               [](const json::object& args) { return mcp::tool_result::text("Received " + json::serialize(args)); });
}

void resources(mcp::server& srv) {
  srv.resource({.uri = "test://static-text", .name = "static-text", .description = "A static text resource"},
               [] { return std::string("This is the content of the static text resource."); });
  srv.binary_resource({.uri = "test://static-binary", .name = "static-binary", .description = "A PNG image",
                       .mime_type = "image/png"},
                      [] { return kPng; });
  srv.resource({.uri = "test://watched-resource", .name = "watched-resource", .description = "Subscribable"},
               [] { return std::string("Watched resource content."); });
  srv.resource_template({.uri_template = "test://template/{id}/data", .name = "template-data",
                         .description = "Data by id", .mime_type = "application/json"},
                        [](const std::string&, const std::map<std::string, std::string>& vars) {
                          const std::string& id = vars.at("id");
                          json::object o{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
                          return mcp::resource_content{json::serialize(o)};
                        });
}

void prompts(mcp::server& srv) {
  using args = std::map<std::string, std::string>;
  srv.prompt({.name = "test_simple_prompt", .description = "A prompt without arguments"}, [](const args&) {
    return std::vector<mcp::prompt_message>{{.text = "This is a simple prompt for testing."}};
  });
  auto suggest = [](std::string_view partial) {
    std::vector<std::string> out;
    for (std::string v : {"paris", "park", "party", "test", "testing"})
      if (v.starts_with(partial)) out.push_back(v);
    return out;
  };
  srv.prompt({.name = "test_prompt_with_arguments",
              .description = "A prompt with two arguments",
              .arguments = {{.name = "arg1", .description = "First test argument", .required = true, .complete = suggest},
                            {.name = "arg2", .description = "Second test argument", .required = true}}},
             [](const args& a) {
               return std::vector<mcp::prompt_message>{
                   {.text = "Prompt with arguments: arg1='" + a.at("arg1") + "', arg2='" + a.at("arg2") + "'"}};
             });
  srv.prompt({.name = "test_prompt_with_embedded_resource",
              .description = "A prompt embedding a resource",
              .arguments = {{.name = "resourceUri", .description = "URI of the resource to embed", .required = true}}},
             [](const args& a) {
               return std::vector<mcp::prompt_message>{
                   {.content = mcp::content::resource_text(a.at("resourceUri"), "text/plain",
                                                           "Embedded resource content for testing.")},
                   {.text = "Please process the embedded resource above."}};
             });
  srv.prompt({.name = "test_prompt_with_image", .description = "A prompt with an image"}, [](const args&) {
    return std::vector<mcp::prompt_message>{{.content = mcp::content::image(kPng, "image/png")},
                                            {.text = "Please analyze the image above."}};
  });
}
}  // namespace

int main() {
  const char* port = std::getenv("PORT");
  mcp::server srv{{.name = "authplane-mcp-conformance-server", .version = "1.0.0"}};
  content_tools(srv);
  notifying_tools(srv);
  client_request_tools(srv);
  schema_tool(srv);
  resources(srv);
  prompts(srv);
  auto p = static_cast<std::uint16_t>(port ? std::atoi(port) : 3001);
  std::cout << "mcp-conformance-server listening on http://127.0.0.1:" << p << "/mcp" << std::endl;
  srv.run({.host = "127.0.0.1", .port = p, .threads = 2});
}
