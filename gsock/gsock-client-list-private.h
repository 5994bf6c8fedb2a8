/* gsock-client-list-private.h: a server's connected clients, as a list model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-tcp-client.h"

G_BEGIN_DECLS

/* A GListModel of GsockTcpClient in the order they were added, whose removal of a given
 * client is O(log n): GListStore finds an item by walking the list, which made the last of
 * 10,000 clients to connect cost 10,000 steps to remove. */
#define GSOCK_TYPE_CLIENT_LIST (_gsock_client_list_get_type ())
G_DECLARE_FINAL_TYPE (GsockClientList, _gsock_client_list, GSOCK, CLIENT_LIST, GObject)

GsockClientList *_gsock_client_list_new        (void);
void             _gsock_client_list_append     (GsockClientList *self,
                                                GsockTcpClient  *client);
/* Removes @client and returns TRUE, or returns FALSE if it is not in the list. */
gboolean         _gsock_client_list_remove     (GsockClientList *self,
                                                GsockTcpClient  *client);
void             _gsock_client_list_remove_all (GsockClientList *self);

G_END_DECLS
