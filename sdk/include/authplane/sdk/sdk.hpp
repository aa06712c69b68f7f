// Umbrella header for authplane_sdk: the resource-server side of the AuthPlane C++ SDK.
//   #include <authplane/sdk/sdk.hpp>
//   auto guard = *sdk::resource_guard::create(opts, keys);
//   http::handler h = sdk::protect(guard, my_handler);
#pragma once
#include <authplane/sdk/client.hpp>
#include <authplane/sdk/discovery.hpp>
#include <authplane/sdk/document_cache.hpp>
#include <authplane/sdk/error.hpp>
#include <authplane/sdk/fetch.hpp>
#include <authplane/sdk/guard.hpp>
#include <authplane/sdk/http_adapter.hpp>
#include <authplane/sdk/keys.hpp>
#include <authplane/sdk/options.hpp>
#include <authplane/sdk/prm.hpp>
#include <authplane/sdk/protected_resource.hpp>
#include <authplane/sdk/replay.hpp>
#include <authplane/sdk/token_cache.hpp>
