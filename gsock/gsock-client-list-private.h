/* gsock-client-list-private.h: a server's connected clients, as a list model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gsock-tcp-client.h"

G_BEGIN_DECLS

/* A GListModel of GsockTcpClient in the order they were added, whose removal of a given
 * client is O(log n) and whose lookup by remote address is O(1): GListStore finds an item by
 * walking the list, which made the last of 10,000 clients to connect cost 10,000 steps to
 * remove, and a send to one client's address as many. */
#define GSOCK_TYPE_CLIENT_LIST (_gsock_client_list_get_type ())
G_DECLARE_FINAL_TYPE (GsockClientList, _gsock_client_list, GSOCK, CLIENT_LIST, GObject)

GsockClientList *_gsock_client_list_new        (void);
/* @address: the client's remote address, to find it by (NULL: not found by any) */
void             _gsock_client_list_append     (GsockClientList *self,
                                                GsockTcpClient  *client,
                                                GSocketAddress  *address);
/* Removes @client and returns TRUE, or returns FALSE if it is not in the list. */
gboolean         _gsock_client_list_remove     (GsockClientList *self,
                                                GsockTcpClient  *client);
void             _gsock_client_list_remove_all (GsockClientList *self);
/* The oldest client in the list appended with a remote address equal to @address (IP and
 * port), or NULL (transfer none). */
GsockTcpClient  *_gsock_client_list_find_by_address (GsockClientList *self,
                                                     GSocketAddress  *address);

G_END_DECLS
