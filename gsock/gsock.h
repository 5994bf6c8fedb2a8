/* gsock.h: the one header users include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#define GSOCK_INSIDE
#include "gsock-version.h"
#include "gsock-enum-types.h"
#include "gsock-error.h"
#include "gsock-endpoint.h"
#include "gsock-message.h"
#include "gsock-message-view.h"
#include "gsock-framer.h"
#include "gsock-line-framer.h"
#include "gsock-length-framer.h"
#include "gsock-raw-framer.h"
#include "gsock-tcp-client.h"
#include "gsock-tcp-server.h"
#include "gsock-udp-endpoint.h"
#include "gsock-activation.h"
#undef GSOCK_INSIDE
